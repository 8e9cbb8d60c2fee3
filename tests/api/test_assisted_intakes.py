"""Assisted intake over the API: a caseworker files a birth on a person's behalf; the channel
and the attestation are recorded and audited, the person is e-mailed their link, and the
caseworker gets no access token; refusals (401, 422 under ``intake``)."""

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.settings import get_settings
from core.tables import AssistedIntake, AuditEntry
from simulated_agencies.seed import seed_demo_data
from tests.support.inprocess_api import OPERATOR
from tests.support.smtp import SmtpServer, text_of
from tests.support.stack import birth_intake

URL = "/v1/life-events/birth/assisted-intakes"
EMAIL = "assisted@example.org"


@pytest.fixture
def mail(
    smtp: SmtpServer, database: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SmtpServer]:
    monkeypatch.setenv("SMTP_PORT", str(smtp.port))
    get_settings.cache_clear()
    with Session(database) as session:
        seed_demo_data(session, get_settings())
    yield smtp
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_a_caseworker_files_a_birth_for_a_person_who_consented_in_person(
    mail: SmtpServer, api: httpx.AsyncClient, database: Engine
) -> None:
    body = {
        "intake": birth_intake(email=EMAIL),
        "consent": {"method": "in_person", "evidence_reference": "FORM-2026-0042"},
    }
    answer = await api.post(URL, json=body, headers={**OPERATOR, "Idempotency-Key": "counter-1"})
    assert answer.status_code == 202, answer.text
    accepted = answer.json()
    assert "access_token" not in accepted
    assert (accepted["channel"], accepted["link_sent_to_person"]) == ("assisted", True)
    journey_id = accepted["journey_id"]
    with Session(database) as session:
        record = session.get(AssistedIntake, journey_id)
        [entry] = session.exec(
            select(AuditEntry).where(
                AuditEntry.journey_id == journey_id, AuditEntry.action == "assisted_intake"
            )
        ).all()
    assert record is not None
    assert (record.channel, record.attested_by, record.method) == (
        "assisted",
        "operator:operator",
        "in_person",
    )
    assert entry.actor == "operator:operator"
    assert entry.detail["consents"] == body["intake"]["consents"]
    assert entry.detail["evidence_reference"] == "FORM-2026-0042"
    deadline = time.monotonic() + 10
    while not mail.inbox.messages(EMAIL) and time.monotonic() < deadline:
        time.sleep(0.05)
    [link] = mail.inbox.messages(EMAIL)
    assert f"/journeys/{journey_id}?token=jt_" in text_of(link)

    again = await api.post(URL, json=body, headers={**OPERATOR, "Idempotency-Key": "counter-1"})
    assert (again.status_code, again.json()["journey_id"]) == (200, journey_id)


async def test_only_operators_file_for_others_and_the_intake_is_checked_as_the_persons(
    api: httpx.AsyncClient, database: Engine
) -> None:
    body = {"intake": birth_intake(email=EMAIL), "consent": {"method": "phone"}}
    assert (await api.post(URL, json=body)).status_code == 401
    no_attestation = await api.post(URL, json={"intake": body["intake"]}, headers=OPERATOR)
    assert no_attestation.status_code == 422
    assert ["body", "consent"] in [e["loc"] for e in no_attestation.json()["errors"]]
    invalid = {**body, "intake": {**body["intake"], "child": {"given_name": "Léa"}}}
    refused = await api.post(URL, json=invalid, headers=OPERATOR)
    assert refused.status_code == 422
    assert ["body", "intake", "child", "family_name"] in [
        e["loc"] for e in refused.json()["errors"]
    ]
    unknown = await api.post("/v1/life-events/nope/assisted-intakes", json=body, headers=OPERATOR)
    assert unknown.status_code == 404
