"""The operator's session: a signed, HTTP-only, Secure, SameSite cookie carrying the operator's
name and when the session ends.

Whatever signs an operator in (the dev sign-in in web/console/sign_in.py, or OpenID Connect)
calls ``start_operator_session(response, settings, name)`` once it knows who they are; every
console page takes ``OperatorSessionDep``, which sends anyone without a valid session to the
sign-in page. The cookie is base64url(JSON) "." base64url(HMAC-SHA256 under a key derived from
APP_SECRET): a name or an expiry changed by hand is no session.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.responses import Response

from api.deps import SettingsDep
from lifeevents.settings import OPERATOR_NAME, Settings
from web.security import set_cookie

SESSION_COOKIE = "operator_session"
SESSION_PATH = "/console"
SESSION_SECONDS = 8 * 3600  # a working day; then sign in again
SIGN_IN_PATH = "/console/sign-in"


@dataclass(frozen=True)
class OperatorSession:
    name: str
    expires_at: int  # seconds since the epoch

    @property
    def actor(self) -> str:
        """Who acts, as the audit trail names operators."""
        return f"operator:{self.name}"


class SignInRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in page."""

    def __init__(self, back_to: str) -> None:
        self.back_to = back_to


def _key(settings: Settings) -> bytes:
    return hmac.new(
        settings.app_secret.encode(), b"lifeevents:operator-session", hashlib.sha256
    ).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def start_operator_session(
    response: Response, settings: Settings, operator_name: str, *, seconds: int = SESSION_SECONDS
) -> None:
    """Sign the operator in on this response: the session cookie, for the console only."""
    if not OPERATOR_NAME.match(operator_name):
        raise ValueError("Not an operator name")
    payload = json.dumps(
        {"n": operator_name, "e": int(time.time()) + seconds}, separators=(",", ":")
    ).encode()
    signature = hmac.new(_key(settings), payload, hashlib.sha256).digest()
    set_cookie(
        response,
        SESSION_COOKIE,
        f"{_b64(payload)}.{_b64(signature)}",
        path=SESSION_PATH,
        max_age=seconds,
    )


def end_operator_session(response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=SESSION_PATH, secure=True, httponly=True, samesite="lax"
    )


def read_operator_session(settings: Settings, cookie: str | None) -> OperatorSession | None:
    """The session a cookie holds, or None: absent, forged, malformed or expired."""
    if not cookie or len(cookie) > 1000:
        return None
    try:
        encoded, signature = cookie.split(".")
        payload = _unb64(encoded)
        expected = hmac.new(_key(settings), payload, hashlib.sha256).digest()
        if not hmac.compare_digest(_unb64(signature), expected):
            return None
        document = json.loads(payload)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(document, dict):
        return None
    name, expires_at = document.get("n"), document.get("e")
    if not isinstance(name, str) or not OPERATOR_NAME.match(name):
        return None
    if not isinstance(expires_at, int) or expires_at <= time.time():
        return None
    return OperatorSession(name, expires_at)


def sign_in_url(back_to: str) -> str:
    return f"{SIGN_IN_PATH}?next={quote(back_to, safe='/')}"


def _operator_session(request: Request, settings: SettingsDep) -> OperatorSession:
    session = read_operator_session(settings, request.cookies.get(SESSION_COOKIE))
    if session is None:
        back_to = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(back_to if request.method == "GET" else SESSION_PATH)
    return session


# Every console page takes it: the signed-in operator, or a redirect to the sign-in page.
OperatorSessionDep = Annotated[OperatorSession, Depends(_operator_session)]
