"""Who is signed in on the pages: a signed session cookie per kind of person, set once the
OpenID Connect sign-in completes (web/sign_in.py).

- ``citizen_session`` (cookie ``citizen``): the person's subject hash (core/oidc.py), so
  the pages find the journeys they own; for CITIZEN_SESSION_SECONDS.
- ``operator_session`` (cookie ``operator``): the operator's name, as the audit trail shows it
  after "operator:"; for OPERATOR_SESSION_SECONDS. Only someone whose ID token carries the
  operator role gets one. The operator console reads it with ``operator_session(request,
  settings)`` and ends it with ``end_sessions``.

Each value is JSON, base64url, then a dot and its HMAC-SHA256 under APP_SECRET with the
cookie's kind in the key, so that one kind is never accepted as another; the expiry is inside
the signed part, so a kept cookie does not outlive it. HTTP-only, Secure, SameSite=Lax
(web/security.py). Stateless: signing out deletes the cookie in this browser; changing
APP_SECRET ends every session.
"""

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from core.settings import Settings
from web.security import set_cookie

Kind = Literal["citizen", "operator", "sign-in"]
CITIZEN_COOKIE = "citizen"
OPERATOR_COOKIE = "operator"
CITIZEN_SESSION_SECONDS = 8 * 3600
OPERATOR_SESSION_SECONDS = 8 * 3600
MAX_COOKIE_CHARS = 2000


def seal(settings: Settings, kind: Kind, payload: dict[str, Any], lifetime: int) -> str:
    """The payload, signed for ``kind``, valid for ``lifetime`` seconds."""
    body = json.dumps({**payload, "exp": int(time.time()) + lifetime}, separators=(",", ":"))
    encoded = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
    return f"{encoded}.{_signature(settings, kind, encoded)}"


def unseal(settings: Settings, kind: Kind, value: str | None) -> dict[str, Any] | None:
    """The payload sealed for ``kind``; None when absent, altered, of another kind or expired."""
    if not value or len(value) > MAX_COOKIE_CHARS or value.count(".") != 1:
        return None
    encoded, signature = value.split(".")
    if not hmac.compare_digest(_signature(settings, kind, encoded).encode(), signature.encode()):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except ValueError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
        return None
    return payload if payload["exp"] > time.time() else None


def _signature(settings: Settings, kind: Kind, encoded: str) -> str:
    key = hashlib.sha256(f"web-session:{kind}:{settings.app_secret}".encode()).digest()
    return hmac.new(key, encoded.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CitizenSession:
    subject_hash: str


@dataclass(frozen=True)
class OperatorSession:
    name: str
    subject_hash: str

    @property
    def actor(self) -> str:
        """Who acts, in the audit trail."""
        return f"operator:{self.name}"


def start_citizen_session(response: Response, settings: Settings, session: CitizenSession) -> None:
    value = seal(settings, "citizen", {"sub": session.subject_hash}, CITIZEN_SESSION_SECONDS)
    set_cookie(response, CITIZEN_COOKIE, value, max_age=CITIZEN_SESSION_SECONDS)


def start_operator_session(
    response: Response, settings: Settings, session: OperatorSession
) -> None:
    value = seal(
        settings,
        "operator",
        {"name": session.name, "sub": session.subject_hash},
        OPERATOR_SESSION_SECONDS,
    )
    set_cookie(response, OPERATOR_COOKIE, value, max_age=OPERATOR_SESSION_SECONDS)


def citizen_session(request: Request, settings: Settings) -> CitizenSession | None:
    payload = unseal(settings, "citizen", request.cookies.get(CITIZEN_COOKIE))
    if payload is None or not isinstance(payload.get("sub"), str):
        return None
    return CitizenSession(subject_hash=payload["sub"])


def operator_session(request: Request, settings: Settings) -> OperatorSession | None:
    payload = unseal(settings, "operator", request.cookies.get(OPERATOR_COOKIE))
    if (
        payload is None
        or not isinstance(payload.get("name"), str)
        or not isinstance(payload.get("sub"), str)
    ):
        return None
    return OperatorSession(name=payload["name"], subject_hash=payload["sub"])


def end_sessions(response: Response) -> None:
    """Sign out: both kinds of session end in this browser."""
    for name in (CITIZEN_COOKIE, OPERATOR_COOKIE):
        response.delete_cookie(name, path="/", secure=True, httponly=True, samesite="lax")
