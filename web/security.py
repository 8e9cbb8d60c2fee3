"""The pages' protections: CSRF tokens, cookie attributes, and the security headers.

CSRF: a random value in an HTTP-only cookie, and in each form the HMAC of that value under
APP_SECRET; a POST is accepted only when the form's token is the cookie's HMAC. A cookie planted
by a sibling domain cannot be paired with a token without the secret.
"""

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from core.settings import Settings

CSRF_COOKIE = "csrf"
CSRF_FIELD = "csrf_token"
# No inline script or style anywhere; forms post to this origin only; never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def set_cookie(
    response: Response,
    name: str,
    value: str,
    *,
    path: str = "/",
    max_age: int | None = None,
) -> None:
    response.set_cookie(
        name,
        value,
        path=path,
        max_age=max_age,
        # Always: browsers keep Secure cookies over plain HTTP to 127.0.0.1 and localhost too
        # (tests/web/test_browser.py runs the stack so), so development needs no exception.
        secure=True,
        httponly=True,
        samesite="lax",
    )


def csrf_secret(request: Request) -> str:
    """The CSRF cookie's value, or a fresh one (``ensure_csrf_cookie`` then sets it)."""
    existing = request.cookies.get(CSRF_COOKIE, "")
    if 20 <= len(existing) <= 100:
        return existing
    cached: str | None = getattr(request.state, "csrf_secret", None)
    if cached is None:
        cached = secrets.token_urlsafe(32)
        request.state.csrf_secret = cached
    return cached


def csrf_token(settings: Settings, secret: str) -> str:
    return hmac.new(
        settings.app_secret.encode(), f"csrf:{secret}".encode(), hashlib.sha256
    ).hexdigest()


def ensure_csrf_cookie(request: Request, response: Response) -> None:
    if request.cookies.get(CSRF_COOKIE) != csrf_secret(request):
        set_cookie(response, CSRF_COOKIE, csrf_secret(request))


def csrf_valid(request: Request, settings: Settings, presented: str | None) -> bool:
    """Whether a form's token is the HMAC of this browser's CSRF cookie."""
    secret = request.cookies.get(CSRF_COOKIE)
    if not secret or not presented:
        return False
    return hmac.compare_digest(csrf_token(settings, secret), presented)


def local_path(candidate: str | None) -> str:
    """Where to send the person back: a path on this site, never another site."""
    if (
        not candidate
        or not candidate.startswith("/")
        or candidate.startswith("//")
        or "\\" in candidate
        # Browsers drop tabs and newlines from a URL: "/\t/evil.example" is "//evil.example".
        or any(not c.isprintable() or c.isspace() for c in candidate)
        or len(candidate) > 500
    ):
        return "/"
    return candidate
