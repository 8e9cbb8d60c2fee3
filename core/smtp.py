"""The connection to the mail relay: implicit TLS, STARTTLS or (a local catcher only) plain,
authenticated when credentials are set.

Certificates are verified against the system's CAs, or SMTP_CA_FILE's, with the host name
checked. STARTTLS is required, never opportunistic: a relay that does not offer it (or a
man-in-the-middle that strips it) gets nothing. Credentials never cross a plain connection.
"""

import functools
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.settings import Settings

TIMEOUT_SECONDS = 10


class InsecureRelay(RuntimeError):
    """The connection to the relay is not encrypted, yet would carry credentials."""


def tls_context(settings: Settings) -> ssl.SSLContext:
    return _tls_context(settings.smtp_ca_file)


@functools.cache
def _tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """One context per CA file, shared by every message: building one loads the CA bundle,
    which costs more CPU than composing and sending the message (a CA file replaced on disk is
    read again when the process restarts)."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


@contextmanager
def relay(settings: Settings) -> Iterator[smtplib.SMTP]:
    """An SMTP session ready for ``send_message``, closed (QUIT) on leaving."""
    smtp: smtplib.SMTP
    if settings.smtp_security == "tls":
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host,
            settings.smtp_port,
            timeout=TIMEOUT_SECONDS,
            context=tls_context(settings),
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS)
    with smtp:
        if settings.smtp_security == "starttls":
            # Raises SMTPNotSupportedError when the relay does not offer STARTTLS.
            smtp.starttls(context=tls_context(settings))
        if settings.smtp_username:
            if not isinstance(smtp.sock, ssl.SSLSocket):
                raise InsecureRelay(
                    "refusing to send SMTP credentials over a plain connection: "
                    "set SMTP_SECURITY to starttls or tls"
                )
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        yield smtp
