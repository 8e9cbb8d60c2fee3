"""The journey's pages: the confirmation once sent, and the journey itself, opened by the
journey's token (from the intake, or an e-mail's link) kept in a cookie for its pages only."""

import hmac
import re
from collections.abc import Mapping
from typing import Annotated

from babel.dates import format_date
from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, col, select

from core import audit, journey_tokens, time_tax
from core.catalog import get_catalog
from core.journey_tokens import TokenCheck
from core.models import CancelRequest, ConsentAnswer, InformationAnswer
from core.settings import Settings
from core.tables import Agency, AuditEntry, JourneyOwner
from use_cases import feedback, links
from use_cases.deps import SessionDep, SettingsDep
from use_cases.errors import JourneyNotFound, StepNoLongerWaits, UpdateRefused
from use_cases.gateway import TemporalGateway
from web.confirmation_form import confirmation_form
from web.i18n import request_language, translations
from web.journey_status import status_or_error_page
from web.questions import humanise
from web.rendering import (
    FormDep,
    error_page,
    expired_form,
    not_found,
    render,
    see_other,
)
from web.security import CSRF_FIELD, csrf_valid, set_cookie
from web.sessions import citizen_session
from web.step_explanations import explain

router = APIRouter(include_in_schema=False)
JOURNEY_COOKIE = "journey"
JOURNEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")


def journey_cookie(response: Response, journey_id: str, token: str) -> None:
    """The journey's token, for this journey's pages only, until the browser closes."""
    set_cookie(response, JOURNEY_COOKIE, token, path=f"/journeys/{journey_id}")


def _token_check(session: Session, settings: Settings, token: str, journey_id: str) -> TokenCheck:
    try:
        return journey_tokens.check(session, settings, token[:500], journey_id)
    finally:
        session.close()


def _link_expired(request: Request, settings: Settings, journey_id: str) -> HTMLResponse:
    """An expired or revoked link: offer a fresh one, sent to the journey's own address."""
    return render(
        request, settings, "link_expired.html", {"journey_id": journey_id}, status_code=401
    )


def _owned_by(session: Session, journey_id: str, subject_hash: str) -> bool:
    try:
        owner = session.get(JourneyOwner, journey_id)
        return owner is not None and hmac.compare_digest(owner.subject_hash, subject_hash)
    finally:
        session.close()


async def opened(
    request: Request, session: Session, settings: Settings, journey_id: str
) -> HTMLResponse | None:
    """None when this browser holds a valid token of the journey, or its owner is signed in
    here; else the page to show."""
    if not JOURNEY_ID.match(journey_id):
        return not_found(request, settings)
    signed_in = citizen_session(request, settings) if settings.sign_in_enabled else None
    if signed_in is not None and await run_in_threadpool(
        _owned_by, session, journey_id, signed_in.subject_hash
    ):
        return None
    token = request.cookies.get(JOURNEY_COOKIE)
    if not token:
        return not_found(request, settings)
    match await run_in_threadpool(_token_check, session, settings, token, journey_id):
        case TokenCheck.VALID:
            return None
        case TokenCheck.EXPIRED | TokenCheck.REVOKED:
            return _link_expired(request, settings, journey_id)
        case _:
            return not_found(request, settings)


async def form_refused(
    request: Request, session: Session, settings: Settings, journey_id: str, form: dict[str, str]
) -> HTMLResponse | None:
    """None when this browser may post a form of this journey's pages (it holds the journey and
    the form's CSRF token is valid); else the page to show."""
    refused = await opened(request, session, settings, journey_id)
    if refused is not None:
        return refused
    if not csrf_valid(request, settings, form.get(CSRF_FIELD)):
        return expired_form(request, settings)
    return None


@router.get("/journeys/{journey_id}/sent", response_class=HTMLResponse)
async def sent(
    journey_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    refused = await opened(request, session, settings, journey_id)
    if refused is not None:
        return refused
    return render(request, settings, "sent.html", {"journey_id": journey_id})


@router.get("/journeys/{journey_id}", response_class=HTMLResponse)
async def journey(
    journey_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """The journey's page. Reached from an e-mail's link (``?token=``), the token moves to a
    cookie and the page reloads without it: the address bar and history keep no token."""
    if token is not None:
        if not JOURNEY_ID.match(journey_id):
            return not_found(request, settings)
        match await run_in_threadpool(_token_check, session, settings, token, journey_id):
            case TokenCheck.VALID:
                response = see_other(f"/journeys/{journey_id}")
                journey_cookie(response, journey_id, token)
                return response
            case TokenCheck.EXPIRED | TokenCheck.REVOKED:
                return _link_expired(request, settings, journey_id)
            case _:
                return not_found(request, settings)
    refused = await opened(request, session, settings, journey_id)
    if refused is not None:
        return refused
    return await journey_page(request, session, settings, journey_id)


async def journey_page(
    request: Request,
    session: Session,
    settings: Settings,
    journey_id: str,
    errors: dict[str, str] | None = None,
    values: Mapping[str, str | list[str]] | None = None,
) -> HTMLResponse:
    """The journey's page; with ``errors`` (by input name), one of its forms (an answer to a
    request for information, the confirmation of an offer, the survey) came back incomplete,
    and ``values`` are what the person typed."""
    gateway = TemporalGateway(request.app.state.temporal, settings)
    language = request_language(request)
    _ = translations(language).gettext
    status = await status_or_error_page(request, settings, gateway, journey_id)
    if isinstance(status, HTMLResponse):
        return status
    plan = await gateway.journey_plan(journey_id)
    meter = time_tax.meter(plan, status) if plan is not None else None
    agencies, access_log, surveyed = await run_in_threadpool(
        _from_database, session, settings, journey_id
    )
    definition = get_catalog().get(status.life_event)
    titles = {step.id: step.title.in_(language) for step in status.steps if step.title}
    # An agency's name as its registration gives it in both languages, where it does.
    for service in plan.services if plan else []:
        if service.agency_names is not None:
            agencies[service.agency_id] = service.agency_names.in_(language)
    open_requests = [r for r in status.requests if r.state == "open"]
    return render(
        request,
        settings,
        "journey.html",
        {
            "status": status,
            "definition": definition,
            "agencies": agencies,
            "titles": titles,
            "explanations": {step.id: explain(step, plan, language, _) for step in status.steps},
            "open_requests": open_requests,
            "confirming": (
                confirmation_form(definition, status, language, _)
                if definition and any(r.kind == "confirmation" for r in open_requests)
                else None
            ),
            "survey": None
            if status.state not in feedback.ENDED
            else "thanks"
            if surveyed
            else "ask",
            "facts": meter.facts_told if meter else 0,
            "told": meter.agencies_reached if meter else 0,
            "time_tax": meter,
            "access_log": access_log,
            "format_date": lambda moment: format_date(moment, format="long", locale=language),
            "humanise": humanise,
            "errors": errors or {},
            "values": values or {},
        },
        status_code=422 if errors else 200,
    )


ACCESS_LOG_SHOWN = 100


def _from_database(
    session: Session, settings: Settings, journey_id: str
) -> tuple[dict[str, str], list[AuditEntry], bool]:
    """Every agency's name by id, the journey's access log (newest first), and whether its
    survey was answered, read at once."""
    try:
        names = {agency.agency_id: agency.name for agency in session.exec(select(Agency))}
        entries = session.exec(
            select(AuditEntry)
            .where(AuditEntry.journey_id == journey_id)
            .order_by(col(AuditEntry.id).desc())
            .limit(ACCESS_LOG_SHOWN)
        ).all()
        return names, list(entries), feedback.given(session, settings.app_secret, journey_id)
    finally:
        session.close()


@router.post("/journeys/{journey_id}/consents", response_class=HTMLResponse)
async def answer_consent(
    journey_id: str, request: Request, session: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    """A consent the journey waits for, given or refused right on its page."""
    refused = await form_refused(request, session, settings, journey_id, form)
    if refused is not None:
        return refused
    _ = translations(request_language(request)).gettext
    given = form.get("given")
    service_id = form.get("service_id", "")
    if given not in ("yes", "no") or not 0 < len(service_id) <= 100:
        return expired_form(request, settings)
    gateway = TemporalGateway(request.app.state.temporal, settings)
    try:
        await gateway.give_consent(
            journey_id, ConsentAnswer(service_id=service_id, given=given == "yes")
        )
    except (UpdateRefused, StepNoLongerWaits, JourneyNotFound):
        return error_page(
            request,
            settings,
            409,
            _("This question no longer needs an answer"),
            _("The journey has moved on. Go back to your journey to see where it stands."),
        )
    action = "consent_given" if given == "yes" else "consent_refused"
    await run_in_threadpool(
        lambda: audit.append(
            session,
            actor="citizen",
            action=action,
            journey_id=journey_id,
            detail={"service_id": service_id},
        )
    )
    return see_other(f"/journeys/{journey_id}")


@router.post("/journeys/{journey_id}/link", response_class=HTMLResponse)
async def fresh_link(
    journey_id: str,
    request: Request,
    settings: SettingsDep,
    form: FormDep,
    background: BackgroundTasks,
) -> Response:
    """A fresh link by e-mail, as ``POST /v1/journeys/{id}/link`` does: the same answer whether
    the journey exists or not, and at most one e-mail per interval."""
    if not csrf_valid(request, settings, form.get(CSRF_FIELD)):
        return expired_form(request, settings)
    if JOURNEY_ID.match(journey_id):
        gateway = TemporalGateway(request.app.state.temporal, settings)
        background.add_task(links.send_fresh_link, settings, gateway, journey_id)
    return render(request, settings, "link_sent.html")


@router.get("/journeys/{journey_id}/cancel", response_class=HTMLResponse)
async def cancel_question(
    journey_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Cancelling asks first: what stops, and what is undone."""
    refused = await opened(request, session, settings, journey_id)
    if refused is not None:
        return refused
    return render(request, settings, "cancel.html", {"journey_id": journey_id})


@router.post("/journeys/{journey_id}/cancel", response_class=HTMLResponse)
async def cancel(
    journey_id: str, request: Request, session: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    refused = await form_refused(request, session, settings, journey_id, form)
    if refused is not None:
        return refused
    if form.get("confirm") != "yes":
        return see_other(f"/journeys/{journey_id}")
    _ = translations(request_language(request)).gettext
    gateway = TemporalGateway(request.app.state.temporal, settings)
    try:
        await gateway.cancel(journey_id, CancelRequest())
    except (UpdateRefused, JourneyNotFound):
        return error_page(
            request,
            settings,
            409,
            _("This journey can no longer be cancelled"),
            _("It is over already. Go back to your journey to see how it ended."),
        )
    await run_in_threadpool(
        lambda: audit.append(
            session, actor="citizen", action="journey_cancelled", journey_id=journey_id, detail={}
        )
    )
    return see_other(f"/journeys/{journey_id}")


@router.post("/journeys/{journey_id}/information", response_class=HTMLResponse)
async def answer_information(
    journey_id: str, request: Request, session: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    """What an agency asked the person for, answered right on the journey's page."""
    refused = await form_refused(request, session, settings, journey_id, form)
    if refused is not None:
        return refused
    _ = translations(request_language(request)).gettext
    request_id = form.get("request_id", "")
    answers = {
        name.removeprefix("answers."): value.strip()
        for name, value in form.items()
        if name.startswith("answers.")
    }
    missing = {
        f"answers.{name}": _("Enter {label}").format(label=_(humanise(name)).lower())
        for name, value in answers.items()
        if not value
    }
    if missing or not answers or not 0 < len(request_id) <= 300:
        return await journey_page(request, session, settings, journey_id, missing, form)
    gateway = TemporalGateway(request.app.state.temporal, settings)
    try:
        await gateway.provide_information(
            journey_id, InformationAnswer(request_id=request_id, answers=answers)
        )
    except (UpdateRefused, StepNoLongerWaits, JourneyNotFound, ValidationError):
        return error_page(
            request,
            settings,
            409,
            _("This question no longer needs an answer"),
            _("The journey has moved on. Go back to your journey to see where it stands."),
        )
    return see_other(f"/journeys/{journey_id}")
