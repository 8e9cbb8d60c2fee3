"""Notifications go out over real SMTP, once, in the person's language."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.testing import ActivityEnvironment

from activities.notification import send_notification
from lifeevents.models import LocalizedText, NotificationInput, PaymentTerms
from lifeevents.settings import get_settings
from tests.support.certificates import CertificateAuthority
from tests.support.ports import free_port
from tests.support.smtp import Login, SmtpServer


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
    body = message.get_content()
    assert "Revenue Agency has completed: Child benefit." in body
    assert "Reference: CCB-1" in body
    assert "A payment of 648.75 CAD" in body
    assert "What happens next" in body


def test_french_and_not_eligible(mail: SmtpServer) -> None:
    ActivityEnvironment().run(send_notification, notice("fr", "not_eligible"))
    [message] = mail.inbox.messages("parent@example.org")
    body = message.get_content()
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
