"""The relay connection, against real aiosmtpd relays speaking TLS with a certificate from a
CA made here: STARTTLS and implicit TLS with a login, certificates and host names verified,
credentials never sent in clear."""

import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import pytest

from core.settings import Settings
from core.smtp import InsecureRelay, relay
from tests.support.certificates import CertificateAuthority
from tests.support.ports import free_port
from tests.support.smtp import Login, SmtpServer

USERNAME, PASSWORD = "lifeevents", "relay-password-for-tests"


@pytest.fixture
def authority(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority(tmp_path)


@pytest.fixture
def login() -> Login:
    return Login(USERNAME, PASSWORD)


def serve(
    authority: CertificateAuthority,
    login: Login | None,
    security: Literal["none", "starttls", "tls"],
    name: str = "127.0.0.1",
) -> SmtpServer:
    context = authority.issue(name).server_context()
    return SmtpServer(free_port(), security=security, tls_context=context, login=login)


@pytest.fixture
def starttls_relay(authority: CertificateAuthority, login: Login) -> Iterator[SmtpServer]:
    with serve(authority, login, "starttls") as server:
        yield server


def settings(server: SmtpServer, **values: Any) -> Settings:
    defaults: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": server.port,
        "smtp_security": "starttls",
        "smtp_username": USERNAME,
        "smtp_password": PASSWORD,
    }
    return Settings(_env_file=None, **{**defaults, **values})


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "a@example.org", "b@example.org", "Hello"
    mail.set_content("Hello.")
    return mail


def send(settings: Settings) -> None:
    with relay(settings) as smtp:
        smtp.send_message(message())


def test_starttls_with_a_login(
    starttls_relay: SmtpServer, authority: CertificateAuthority, login: Login
) -> None:
    send(settings(starttls_relay, smtp_ca_file=authority.ca_file))
    assert login.attempts == [(USERNAME, True)]  # over TLS
    [received] = starttls_relay.inbox.messages("b@example.org")
    assert received["Subject"] == "Hello"


def test_implicit_tls_with_a_login(authority: CertificateAuthority, login: Login) -> None:
    with serve(authority, login, "tls") as server:
        send(settings(server, smtp_security="tls", smtp_ca_file=authority.ca_file))
        assert login.attempts == [(USERNAME, True)]
        assert len(server.inbox.messages("b@example.org")) == 1


def test_a_certificate_from_an_unknown_authority_is_refused(
    starttls_relay: SmtpServer, login: Login
) -> None:
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        send(settings(starttls_relay))  # the system's CAs: ours is not among them
    assert login.attempts == [] and starttls_relay.inbox.messages() == []


def test_a_certificate_for_another_host_is_refused(
    authority: CertificateAuthority, login: Login
) -> None:
    with serve(authority, login, "starttls", name="mail.example.org") as server:
        with pytest.raises(ssl.SSLCertVerificationError, match="IP address mismatch"):
            send(settings(server, smtp_ca_file=authority.ca_file))
        assert login.attempts == [] and server.inbox.messages() == []


def test_a_relay_without_starttls_gets_nothing(authority: CertificateAuthority) -> None:
    """No fall back to plain SMTP: an attacker stripping STARTTLS learns nothing."""
    with SmtpServer(free_port()) as plain:
        with pytest.raises(smtplib.SMTPNotSupportedError, match="STARTTLS"):
            send(settings(plain, smtp_ca_file=authority.ca_file))
        assert plain.inbox.messages() == []


def test_credentials_never_cross_a_plain_connection(authority: CertificateAuthority) -> None:
    # Settings that check_secrets refuses at start (below); the relay refuses them too.
    with SmtpServer(free_port()) as plain:
        with pytest.raises(InsecureRelay, match="plain connection"):
            send(settings(plain, smtp_security="none"))
        assert plain.inbox.messages() == []


def test_a_wrong_password_is_refused(
    starttls_relay: SmtpServer, authority: CertificateAuthority
) -> None:
    wrong = settings(starttls_relay, smtp_ca_file=authority.ca_file, smtp_password="wrong")
    with pytest.raises(smtplib.SMTPAuthenticationError):
        send(wrong)
    assert starttls_relay.inbox.messages() == []


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"smtp_security": "none", "smtp_username": "u", "smtp_password": "p"}, "in clear"),
        ({"smtp_username": "u"}, "set together"),
        ({"smtp_ca_file": Path("/nonexistent/ca.pem")}, "is not a file"),
    ],
)
def test_unsafe_mail_settings_are_refused_at_start(values: dict[str, Any], says: str) -> None:
    problems = Settings(_env_file=None, environment="development", **values).insecure_settings()
    assert len(problems) == 1 and says in problems[0], problems
