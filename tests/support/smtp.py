"""A real SMTP server in the test process that keeps every message it receives: plain, or a
relay with STARTTLS or implicit TLS that takes one login."""

import email
import email.policy
import ssl
import threading
from email.message import EmailMessage
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def text_of(message: EmailMessage, subtype: str = "plain") -> str:
    """A message's body as the person reads it: its plain text (or its HTML) part."""
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no {subtype} part"
    return str(part.get_content())


class Inbox:
    def __init__(self) -> None:
        self._messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self._messages.append(message)
        return "250 OK"

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self._messages if to is None or m["To"] == to]


class Login:
    """Accepts one username and password; remembers every attempt (and whether it was over TLS)."""

    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password
        self.attempts: list[tuple[str, bool]] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        username = auth_data.login.decode()
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.attempts.append((username, encrypted))
        accepted = username == self.username and auth_data.password.decode() == self.password
        return AuthResult(success=accepted, handled=False)  # unhandled: aiosmtpd answers 535


class SmtpServer:
    def __init__(
        self,
        port: int,
        *,
        security: Literal["none", "starttls", "tls"] = "none",
        tls_context: ssl.SSLContext | None = None,
        login: Login | None = None,
    ) -> None:
        self.port = port
        self.inbox = Inbox()
        options: dict[str, Any] = {}
        if security == "starttls":
            options.update(tls_context=tls_context, require_starttls=True)
        elif security == "tls":
            options.update(ssl_context=tls_context)
        if login is not None:
            # Plain-text AUTH refused before TLS, as a real relay does.
            # aiosmtpd counts only STARTTLS as TLS; with implicit TLS every byte is encrypted
            # anyway (and it warns about requiring AUTH there: the login is not required).
            starttls = security == "starttls"
            options.update(authenticator=login, auth_require_tls=starttls, auth_required=starttls)
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=port, **options)

    def __enter__(self) -> "SmtpServer":
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()
