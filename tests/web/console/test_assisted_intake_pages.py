"""Assisted intake from the console (the app in process, the Temporal dev server, a real SMTP
exchange): the caseworker picks a life event and fills the person's questions, the services,
the consents and how the person consented; the journey's reference is shown, the person gets
the link by e-mail, and the caseworker's page holds no token. The form is checked field by
field, in French too."""

import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from core.db import get_engine
from core.tables import AssistedIntake, AuditEntry
from tests.support.smtp import SmtpServer, text_of
from tests.web.console.test_pages import sign_in
from tests.web.forms import BIRTH_ANSWERS, hidden_fields

URL = "/console/assisted-intake/birth"


@pytest.fixture
def mail(smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """The e-mails go to the suite's SMTP server (set before ``web`` reads the settings)."""
    monkeypatch.setenv("SMTP_PORT", str(smtp.port))
    yield smtp


def test_a_caseworker_files_a_birth_and_the_person_gets_the_link(
    mail: SmtpServer, web: TestClient
) -> None:
    sign_in(web)
    start = web.get("/console/assisted-intake")
    assert start.status_code == 200 and f'href="{URL}"' in start.text
    form = web.get(URL)
    assert form.status_code == 200
    email = f"assisted-{uuid.uuid4().hex[:8]}@example.org"
    answers = {
        **hidden_fields(form),
        **BIRTH_ANSWERS,
        "contact.email": email,
        "person_language": "fr",
        "consents": "vital-statistics.birth-registration",
        "consent_method": "in_person",
        "evidence_reference": "FORM-2026-0042",
    }
    sent = web.post(URL, data=answers)
    assert sent.status_code == 200, sent.text
    assert "Journey reference" in sent.text
    assert "jt_" not in sent.text and not sent.cookies
    with Session(get_engine()) as session:
        [record] = session.exec(select(AssistedIntake)).all()
        [entry] = session.exec(
            select(AuditEntry).where(AuditEntry.action == "assisted_intake")
        ).all()
    assert record.journey_id in sent.text
    assert (record.attested_by, record.method, record.evidence_reference) == (
        "operator:operator",
        "in_person",
        "FORM-2026-0042",
    )
    assert entry.actor == "operator:operator"
    assert entry.detail["consents"] == ["vital-statistics.birth-registration"]
    deadline = time.monotonic() + 10
    while not mail.inbox.messages(email) and time.monotonic() < deadline:
        time.sleep(0.05)
    [link] = mail.inbox.messages(email)
    assert f"/journeys/{record.journey_id}?token=jt_" in text_of(link)


def test_the_form_is_checked_and_strangers_are_sent_to_sign_in(web: TestClient) -> None:
    assert web.get(URL, follow_redirects=False).status_code == 303
    sign_in(web)
    form = web.get(URL, headers={"Accept-Language": "fr"})
    empty = web.post(
        URL,
        data={**hidden_fields(form), "evidence_reference": "Jane Doe's form"},
        headers={"Accept-Language": "fr"},
    )
    assert empty.status_code == 422
    for anchor in ("consent_method", "evidence_reference", "informant-national_id"):
        assert f'href="#{anchor}' in empty.text
    assert "Choisissez comment la personne a donné son consentement" in empty.text
    assert web.post(URL, data={"consent_method": "phone"}).status_code == 403
    assert web.get("/console/assisted-intake/nope").status_code == 404
    with Session(get_engine()) as session:
        assert session.exec(select(AssistedIntake)).all() == []
