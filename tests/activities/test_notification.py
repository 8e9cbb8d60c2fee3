"""Notifications go out over real SMTP, once, in the person's language."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import httpx
import pytest
from sqlmodel import Session
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.testing import ActivityEnvironment

from activities.notification import _TEXT, MESSAGES_SENT, send_notification
from core import journey_tokens
from core.db import get_engine
from core.journey_tokens import TokenCheck
from core.models import (
    LocalizedText,
    MessageKind,
    NotificationInput,
    PaymentTerms,
    SummaryLine,
)
from core.settings import get_settings
from tests.support.certificates import CertificateAuthority
from tests.support.ports import free_port
from tests.support.prometheus import total
from tests.support.smtp import Login, SmtpServer, text_of


@pytest.fixture
def mail(app_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    with SmtpServer(free_port()) as server:
        monkeypatch.setenv("SMTP_PORT", str(server.port))
        get_settings.cache_clear()
        yield server


def notice(language: str = "en", outcome: str = "approved") -> NotificationInput:
    return NotificationInput.model_validate(
        {
            "journey_id": "j-9",
            "idempotency_key": f"j-9/{language}/{outcome}",
            "to_email": "parent@example.org",
            "language": language,
            "service_title": LocalizedText(en="Child benefit", fr="Allocation pour enfants"),
            "agency_name": "Revenue Agency",
            "outcome": outcome,
            "reference": "CCB-1",
            "payment": PaymentTerms(amount_cents=64875),
            "reasons": ["Too young."] if outcome == "not_eligible" else [],
        }
    )


def test_a_message_is_sent_once_even_when_the_activity_is_retried(mail: SmtpServer) -> None:
    env = ActivityEnvironment()
    first = env.run(send_notification, notice())
    second = env.run(send_notification, notice())
    assert not first.already_sent and second.already_sent
    [message] = mail.inbox.messages("parent@example.org")
    assert message["Message-ID"] == first.message_id
    body = text_of(message)
    assert "Revenue Agency has completed: Child benefit." in body
    assert "Reference: CCB-1" in body
    assert "A payment of 648.75 CAD" in body
    assert "What happens next" in body


def test_a_message_is_counted_once_when_sent_even_when_the_activity_is_retried(
    mail: SmtpServer,
) -> None:
    """lifeevents_messages_sent, on a real Prometheus exporter of Temporal's runtime."""
    address = f"127.0.0.1:{free_port()}"
    runtime = Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))
    env = ActivityEnvironment()
    env.metric_meter = runtime.metric_meter
    request = notice("fr", "rejected")
    env.run(send_notification, request)
    env.run(send_notification, request)
    scraped = httpx.get(f"http://{address}/metrics").text
    assert total(scraped, MESSAGES_SENT, kind="rejected", language="fr") == 1


def test_french_and_not_eligible(mail: SmtpServer) -> None:
    ActivityEnvironment().run(send_notification, notice("fr", "not_eligible"))
    [message] = mail.inbox.messages("parent@example.org")
    body = text_of(message)
    assert "Vous n'êtes pas admissible : Allocation pour enfants." in body
    assert "- Too young." in body
    assert "paiement" not in body
    assert message["Subject"] == "Allocation pour enfants : non admissible"


def test_sent_through_a_relay_with_starttls_and_a_login(
    app_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    authority = CertificateAuthority(tmp_path)
    login = Login("lifeevents", "relay-password-for-tests")
    context = authority.issue("127.0.0.1").server_context()
    with SmtpServer(free_port(), security="starttls", tls_context=context, login=login) as relay:
        for name, value in {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(relay.port),
            "SMTP_SECURITY": "starttls",
            "SMTP_USERNAME": "lifeevents",
            "SMTP_PASSWORD": "relay-password-for-tests",
            "SMTP_CA_FILE": str(authority.ca_file),
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        receipt = ActivityEnvironment().run(send_notification, notice())
        [message] = relay.inbox.messages("parent@example.org")
    get_settings.cache_clear()
    assert message["Message-ID"] == receipt.message_id
    assert login.attempts == [("lifeevents", True)]


ALL_KINDS: tuple[str, ...] = get_args(MessageKind)  # every kind a message can be about
SUMMARY_STEPS = [
    SummaryLine(
        title=LocalizedText(en="Child benefit", fr="Allocation pour enfants"),
        agency_name="Agence du revenu",
        state="completed",
        outcome="approved",
    ),
    SummaryLine(
        title=LocalizedText(en="Health card", fr="Carte santé"),
        agency_name="Santé",
        state="skipped",
        outcome="consent_refused",
    ),
]


def _english_fragments() -> set[str]:
    """What our English templates say, without the values put in them."""
    fragments = set()
    for template in _TEXT["en"].values():
        for fragment in re.split(r"\{[^}]+\}", template):
            if len(fragment.strip(" .:,()-")) >= 4:
                fragments.add(fragment.strip())
    return fragments


def test_a_french_message_holds_no_english_from_our_templates(mail: SmtpServer) -> None:
    english = _english_fragments()
    assert {"has completed:", "Follow your journey:"} <= english
    for kind in ALL_KINDS:
        request = notice("fr", kind).model_copy(
            update={
                "requested": ["bank_account"],
                "purpose": LocalizedText(en="Pay the benefit", fr="Verser l'allocation"),
                "journey_state": "completed_with_issues",
                "steps": SUMMARY_STEPS,
            }
        )
        ActivityEnvironment().run(send_notification, request)
    messages = mail.inbox.messages("parent@example.org")
    assert len(messages) == len(ALL_KINDS)
    for message in messages:
        assert message["Content-Language"] == "fr"
        for text in (message["Subject"], text_of(message), text_of(message, "html")):
            assert [f for f in english if f in text] == [], text


def test_html_and_plain_text_with_the_journey_link_and_escaped_agency_text(
    mail: SmtpServer,
) -> None:
    hostile = notice().model_copy(
        update={"agency_message": '<script>alert("x")</script> & <a href="http://evil">'}
    )
    ActivityEnvironment().run(send_notification, hostile)
    [message] = mail.inbox.messages("parent@example.org")
    assert message.get_content_type() == "multipart/alternative"
    assert message["Content-Language"] == "en"
    html, plain = text_of(message, "html"), text_of(message)
    assert "<script>" not in html and 'href="http://evil"' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;a" in html
    assert '<html lang="en">' in html
    base = get_settings().public_base_url
    found = re.search(rf"{re.escape(base)}/journeys/j-9\?token=(jt_[\w.-]+)", plain)
    assert found is not None, plain
    assert f'href="{base}/journeys/j-9?token={found.group(1)}"' in html
    with Session(get_engine()) as session:
        opens = journey_tokens.check(session, get_settings(), found.group(1), "j-9")
    assert opens is TokenCheck.VALID


def test_the_summary_lists_every_step_in_the_persons_language(mail: SmtpServer) -> None:
    summary = notice("fr", "summary").model_copy(
        update={"journey_state": "completed_with_issues", "steps": SUMMARY_STEPS}
    )
    ActivityEnvironment().run(send_notification, summary)
    [message] = mail.inbox.messages("parent@example.org")
    body = text_of(message)
    assert "tout ne s'est pas déroulé comme prévu" in body
    assert "- Allocation pour enfants (Agence du revenu) : terminé" in body
    assert "- Carte santé (Santé) : non fait" in body
    # The survey's invitation, with the link to the journey's page where it is answered.
    assert "Dites-nous comment cela s'est passé" in body
    assert re.search(r"/journeys/[\w-]+\?token=jt_", body) is not None, body
    assert "<li>Carte santé (Santé) : non fait</li>" in text_of(message, "html")


def test_the_agency_is_named_in_the_persons_language_when_its_registration_gives_both(
    mail: SmtpServer,
) -> None:
    names = LocalizedText(en="Revenue Agency", fr="Agence du revenu")
    for language in ("en", "fr"):
        request = notice(language).model_copy(
            update={"agency_name": "Revenue Agency / Agence du revenu", "agency_names": names}
        )
        ActivityEnvironment().run(send_notification, request)
    english, french = mail.inbox.messages("parent@example.org")
    assert "Revenue Agency has completed: Child benefit." in text_of(english)
    assert "Agence du revenu a terminé : Allocation pour enfants." in text_of(french)
    assert "Revenue Agency" not in text_of(french)
