"""Signing in on the pages with OpenID Connect (the protocol: core/oidc_login.py), for
citizens and operators alike.

``begin_sign_in`` sends the browser to the issuer, keeping the sign-in's state, nonce and PKCE
verifier, its purpose and where to go after, in a short-lived signed HTTP-only cookie (path
/sign-in only). The issuer sends the browser back to ``/sign-in/callback``, which checks the
state against that cookie, exchanges the code and verifies the ID token, then acts on the
purpose:

- ``citizen``: a citizen session (web/sessions.py), then their journeys (or ``return_to``);
- ``operator``: only with the operator role in the ID token, an operator session, then the
  console (or ``return_to``); without the role, 403.

``return_to`` is a path on this site or nothing: never another site (no open redirect).
"""

import secrets
from typing import Annotated, Literal

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from core import audit, oidc_login
from core.oidc import Identity
from core.settings import Settings
from use_cases.deps import SessionDep, SettingsDep
from web.i18n import request_language, translations
from web.rendering import FormDep, error_page, expired_form, not_found, see_other
from web.security import CSRF_FIELD, csrf_valid, local_path, set_cookie
from web.sessions import (
    CitizenSession,
    OperatorSession,
    end_sessions,
    seal,
    start_citizen_session,
    start_operator_session,
    unseal,
)

router = APIRouter(include_in_schema=False)
log = structlog.get_logger(__name__)

Purpose = Literal["citizen", "operator"]
PENDING_COOKIE = "sign-in"
PENDING_PATH = "/sign-in"
# Time to sign in at the issuer (type a password, a second factor) and come back.
PENDING_SECONDS = 600
# Where each kind of person lands after signing in, unless told otherwise.
LANDING: dict[Purpose, str] = {"citizen": "/your-journeys", "operator": "/console"}


async def begin_sign_in(
    request: Request, settings: Settings, purpose: Purpose, return_to: str | None = None
) -> Response:
    """The answer that starts a sign-in: a redirect to the issuer, with the pending sign-in in
    its cookie. ``return_to``: a path on this site to land on after (anything else: the
    purpose's landing page)."""
    if not settings.sign_in_enabled:
        return not_found(request, settings)
    try:
        url, pending = await oidc_login.start(settings)
    except oidc_login.SignInFailed as error:
        log.warning("sign_in_unavailable", reason=str(error))
        return _unavailable(request, settings)
    response = see_other(url)
    kept = {
        "state": pending.state,
        "nonce": pending.nonce,
        "verifier": pending.code_verifier,
        "purpose": purpose,
        "return_to": _return_path(return_to, purpose),
    }
    set_cookie(
        response,
        PENDING_COOKIE,
        seal(settings, "sign-in", kept, PENDING_SECONDS),
        path=PENDING_PATH,
        max_age=PENDING_SECONDS,
    )
    return response


def _return_path(return_to: str | None, purpose: Purpose) -> str:
    path = local_path(return_to)
    # Not back into the sign-in itself (its "Sign in" link names the page it is on).
    if path == "/" or path == PENDING_PATH or path.startswith(PENDING_PATH + "/"):
        return LANDING[purpose]
    return path


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in(
    request: Request,
    settings: SettingsDep,
    purpose: Annotated[str, Query(max_length=20)] = "citizen",
    return_to: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    if purpose not in LANDING:
        return not_found(request, settings)
    chosen: Purpose = "operator" if purpose == "operator" else "citizen"
    return await begin_sign_in(request, settings, chosen, return_to)


@router.get(oidc_login.CALLBACK_PATH, response_class=HTMLResponse)
async def callback(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    state: Annotated[str | None, Query(max_length=500)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Where the issuer sends the browser back. Nothing is accepted unless the state is the
    one this browser's pending sign-in holds, and the ID token verifies."""
    if not settings.sign_in_enabled:
        return not_found(request, settings)
    kept = unseal(settings, "sign-in", request.cookies.get(PENDING_COOKIE))
    if (
        kept is None
        or not isinstance(kept.get("state"), str)
        or not state
        or not secrets.compare_digest(kept["state"].encode(), state.encode())
    ):
        log.info("sign_in_refused", reason="no pending sign-in of this state")
        return _not_signed_in(request, settings, 400)
    if error is not None or not code:
        log.info("sign_in_refused", reason="the issuer answered an error", error=error)
        return _not_signed_in(request, settings, 401)
    pending = oidc_login.Pending(
        state=kept["state"], nonce=str(kept.get("nonce")), code_verifier=str(kept.get("verifier"))
    )
    try:
        identity = await oidc_login.finish(settings, pending, code)
    except oidc_login.SignInFailed as failure:
        log.warning("sign_in_refused", reason=str(failure))
        return _not_signed_in(request, settings, 401)
    purpose: Purpose = "operator" if kept.get("purpose") == "operator" else "citizen"
    return_to = _return_path(str(kept.get("return_to", "")), purpose)
    response = _signed_in(request, settings, identity, purpose, return_to)
    if purpose == "operator" and identity.operator:
        await run_in_threadpool(_audit_operator_sign_in, session, identity)
    response.delete_cookie(PENDING_COOKIE, path=PENDING_PATH, secure=True, httponly=True)
    return response


def _signed_in(
    request: Request, settings: Settings, identity: Identity, purpose: Purpose, return_to: str
) -> Response:
    if purpose == "operator":
        if not identity.operator:
            log.info("sign_in_refused", reason="no operator role")
            _ = translations(request_language(request)).gettext
            return error_page(
                request,
                settings,
                403,
                _("You cannot use the operators' console"),
                _("Your account does not have the operator role. Ask your administrator."),
            )
        response = see_other(return_to)
        start_operator_session(
            response, settings, OperatorSession(identity.name, identity.subject_hash)
        )
        log.info("operator_signed_in", operator=identity.name)
        return response
    response = see_other(return_to)
    start_citizen_session(response, settings, CitizenSession(identity.subject_hash))
    log.info("citizen_signed_in")
    return response


def _audit_operator_sign_in(session: Session, identity: Identity) -> None:
    try:
        audit.append(session, actor=f"operator:{identity.name}", action="operator_signed_in")
    finally:
        session.close()


@router.post("/sign-out", response_class=HTMLResponse)
async def sign_out(request: Request, settings: SettingsDep, form: FormDep) -> Response:
    """Sign out (a form, with its CSRF token: another site cannot sign anyone out)."""
    if not csrf_valid(request, settings, form.get(CSRF_FIELD)):
        return expired_form(request, settings)
    response = see_other("/")
    end_sessions(response)
    return response


def _not_signed_in(request: Request, settings: Settings, status_code: int) -> HTMLResponse:
    _ = translations(request_language(request)).gettext
    response = error_page(
        request,
        settings,
        status_code,
        _("You have not been signed in"),
        _("Your sign-in could not be completed, or took too long. Try signing in again."),
    )
    response.delete_cookie(PENDING_COOKIE, path=PENDING_PATH, secure=True, httponly=True)
    return response


def _unavailable(request: Request, settings: Settings) -> HTMLResponse:
    _ = translations(request_language(request)).gettext
    return error_page(
        request,
        settings,
        503,
        _("Sorry, signing in is not working"),
        _("Try again in a few minutes."),
    )
