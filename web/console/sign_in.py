"""Signing in to the console, and signing out. Outside development only with OpenID Connect
(web/sign_in.py, the organisation's account, which opens the operator session); in development
also with a named operator (OPERATOR_TOKENS) and its token, or the name alone."""

import hashlib
import hmac
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from core.settings import Settings
from use_cases.deps import SettingsDep
from web.console.checked_form import CheckedFormDep
from web.console.missing_page import PageNotFound
from web.console.session import CONSOLE_PATH, SIGN_IN_PATH, start_operator_session
from web.i18n import request_language, translations
from web.rendering import render, see_other
from web.security import local_path
from web.sessions import end_sessions

router = APIRouter(include_in_schema=False)


def _back_to(candidate: str | None) -> str:
    """Back to a console page after signing in, never elsewhere."""
    path = local_path(candidate)
    return path if path == CONSOLE_PATH or path.startswith(CONSOLE_PATH + "/") else CONSOLE_PATH


def _page(
    request: Request,
    settings: Settings,
    back_to: str,
    errors: dict[str, str] | None = None,
    name: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    errors = errors or {}
    return render(
        request,
        settings,
        "console/sign_in.html",
        {
            "back_to": back_to,
            "errors": errors,
            "summary": list(errors.items()),
            "name": name,
            # Outside development operators sign in with OpenID Connect only.
            "token_form": _by_name(settings),
            # With OpenID Connect configured, operators sign in with their organisation's account.
            "oidc_url": f"/sign-in?{urlencode({'purpose': 'operator', 'return_to': back_to})}"
            if settings.sign_in_enabled
            else None,
        },
        status_code=status_code,
    )


@router.get(SIGN_IN_PATH, response_class=HTMLResponse)
def sign_in_form(
    request: Request,
    settings: SettingsDep,
    next: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    return _page(request, settings, _back_to(next))


def _by_name(settings: Settings) -> bool:
    """Whether an operator may sign in by name (and token): the dev stack's sign-in only."""
    return settings.environment == "development"


def _token_matches(settings: Settings, name: str, token: str) -> bool:
    """Whether the token is this operator's, compared in constant time."""
    expected = settings.operators.get(name, "")
    return hmac.compare_digest(
        hashlib.sha256(token.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    )


def _offered_by_name(settings: SettingsDep) -> None:
    if not _by_name(settings):
        raise PageNotFound(settings)


@router.post(SIGN_IN_PATH, response_class=HTMLResponse)
def sign_in(
    request: Request,
    settings: SettingsDep,
    _offered: Annotated[None, Depends(_offered_by_name)],
    form: CheckedFormDep,
) -> Response:
    _ = translations(request_language(request)).gettext
    back_to = _back_to(form.get("next"))
    name = form.get("name", "").strip()[:100]
    token = form.get("token", "")
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter your operator name")
    if errors:
        return _page(request, settings, back_to, errors, name, status_code=422)
    # The name alone will do (this is development); a token, once given, must be right.
    accepted = name in settings.operators and (not token or _token_matches(settings, name, token))
    if not accepted:
        refused = {"name": _("The operator name or token is not right")}
        return _page(request, settings, back_to, refused, name, status_code=401)
    response = see_other(back_to)
    start_operator_session(response, settings, name)
    return response


@router.post("/console/sign-out", response_class=HTMLResponse)
def sign_out(_: CheckedFormDep) -> Response:
    response = see_other(SIGN_IN_PATH)
    end_sessions(response)
    return response
