"""Tell us once, in a browser: find the life event, answer its questions, choose and consent,
check and send. Server-rendered; they work without JavaScript."""

import re
import secrets
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from core import identity_checks
from core.catalog import LifeEventDefinition, get_catalog
from core.plans import BundleEntry, bundle
from core.registry import RegistryError
from core.settings import Settings
from use_cases import intake
from use_cases.deps import SessionDep, SettingsDep
from use_cases.errors import IdempotencyKeyReused, TooManyFailedIdentityChecks, Unprocessable
from use_cases.gateway import TemporalGateway
from web import questions
from web.draft import DRAFT_COOKIE, Draft, seal, unseal
from web.i18n import LANGUAGE_COOKIE, LANGUAGES, Language, request_language, translations
from web.journey_pages import journey_cookie
from web.rendering import (
    FormDep,
    expired_form,
    form_lists,
    not_found,
    render,
    see_other,
    too_many_attempts,
)
from web.security import CSRF_FIELD, csrf_valid, local_path, set_cookie
from web.sessions import citizen_session

router = APIRouter(include_in_schema=False)
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _definition(life_event: str) -> LifeEventDefinition | None:
    return get_catalog().get(life_event)


def _builder(request: Request, definition: LifeEventDefinition) -> questions.QuestionBuilder:
    language = request_language(request)
    return questions.QuestionBuilder(definition, language, translations(language).gettext)


# --- the start page ---------------------------------------------------------------------------


def _services(session: Session, definition: LifeEventDefinition) -> list[BundleEntry]:
    return bundle(session=session, definition=definition)


def _agency_name(entry: BundleEntry, language: Language) -> str:
    """The agency's name in the page's language where its registration gives both."""
    registration = entry.registration
    if registration is not None and registration.agency_name is not None:
        return registration.agency_name.in_(language)
    return entry.agency.name


def _longest_sla(entries: list[BundleEntry]) -> timedelta | None:
    slas = [entry.registration.sla for entry in entries if entry.registration is not None]
    return max(slas) if slas else None


@router.get("/", response_class=HTMLResponse)
def start(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """Every life event of the catalog: what it does, whom it tells, what to have at hand."""
    language = request_language(request)
    events = []
    for definition in get_catalog().values():
        entries = _services(session, definition)
        if not entries:
            continue  # nothing could be told yet: not offered
        longest = _longest_sla(entries)
        events.append(
            {
                "definition": definition,
                "agencies": sorted({_agency_name(entry, language) for entry in entries}),
                "evidence": sorted(
                    {questions.humanise(e) for s in definition.services for e in s.evidence}
                ),
                "days": longest.days if longest else None,
                "deadlines": definition.deadlines,
            }
        )
    return render(request, settings, "start.html", {"events": events})


@router.get("/language/{language}")
def switch_language(
    language: str, next: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    """The language switch: remembered in a cookie, back to the same page."""
    response = see_other(local_path(next))
    if language in LANGUAGES:
        set_cookie(response, LANGUAGE_COOKIE, language, max_age=365 * 86_400)
    return response


# --- tell us once: the questions --------------------------------------------------------------


def _draft(request: Request, settings: Settings, life_event: str) -> Draft | None:
    draft = unseal(settings, request.cookies.get(DRAFT_COOKIE))
    return draft if draft is not None and draft.life_event == life_event else None


def _answered(request: Request, settings: Settings, life_event: str) -> Draft | Response:
    """This life event's draft once its questions are answered; else back to the questions."""
    draft = _draft(request, settings, life_event)
    if draft is None or not draft.answers:
        return see_other(f"/life-events/{life_event}/questions")
    return draft


def _keep(response: Response, settings: Settings, draft: Draft) -> None:
    set_cookie(response, DRAFT_COOKIE, seal(settings, draft), path="/life-events")


def _questions_page(
    request: Request,
    settings: Settings,
    definition: LifeEventDefinition,
    values: dict[str, str],
    errors: dict[str, str],
) -> HTMLResponse:
    sections = _builder(request, definition).sections()
    titles = {q.path: s.title for s in sections for q in s.questions}
    anchors = {q.path: q.anchor for s in sections for q in s.questions}
    summary = [(anchors[path], f"{titles[path]}: {text}") for path, text in errors.items()]
    return render(
        request,
        settings,
        "questions.html",
        {
            "definition": definition,
            "sections": sections,
            "values": values,
            "errors": errors,
            "summary": summary,
        },
        status_code=422 if errors else 200,
    )


@router.get("/life-events/{life_event}/questions", response_class=HTMLResponse)
def ask(life_event: str, request: Request, settings: SettingsDep) -> HTMLResponse:
    definition = _definition(life_event)
    if definition is None:
        return not_found(request, settings)
    draft = _draft(request, settings, life_event)
    sections = _builder(request, definition).sections()
    values = questions.form_values(sections, draft.answers) if draft else {}
    return _questions_page(request, settings, definition, values, {})


@router.post("/life-events/{life_event}/questions", response_class=HTMLResponse)
def answer(life_event: str, request: Request, settings: SettingsDep, form: FormDep) -> Response:
    definition = _definition(life_event)
    if definition is None:
        return not_found(request, settings)
    if not csrf_valid(request, settings, form.get(CSRF_FIELD)):
        return expired_form(request, settings)
    builder = _builder(request, definition)
    sections = builder.sections()
    answers = questions.read_answers(sections, form)
    errors = questions.errors_of(definition, sections, answers, builder._)
    if errors:
        return _questions_page(request, settings, definition, form, errors)
    draft = _draft(request, settings, life_event) or Draft(life_event)
    draft.answers = answers
    response = see_other(f"/life-events/{life_event}/services")
    _keep(response, settings, draft)
    return response


# --- choose and consent -----------------------------------------------------------------------


def _field_labels(request: Request, definition: LifeEventDefinition) -> dict[str, str]:
    """What each intake field is called on the questions page ("About the child: Given name")."""
    return {
        q.path: f"{s.title}: {q.label}"
        for s in _builder(request, definition).sections()
        for q in s.questions
    }


def service_rows(
    request: Request, session: Session, definition: LifeEventDefinition
) -> list[dict[str, Any]]:
    language = request_language(request)
    labels = _field_labels(request, definition)
    rows = []
    for entry in _services(session, definition):
        bundled = definition.service(entry.row.service_id)
        registration = entry.registration
        rows.append(
            {
                "id": entry.row.service_id,
                "title": registration.title.in_(language) if registration else entry.agency.name,
                "agency": _agency_name(entry, language),
                "purpose": bundled.purpose.in_(language) if bundled and bundled.purpose else None,
                "optional": entry.optional,
                "needs": bundled.needs if bundled else [],
                "fields": [
                    labels.get(path, path) for path in (registration.fields if registration else [])
                ],
            }
        )
    return rows


def _services_page(
    request: Request,
    session: Session,
    settings: Settings,
    definition: LifeEventDefinition,
    chosen: list[str] | None,
    consents: list[str],
    error: str | None = None,
) -> HTMLResponse:
    rows = service_rows(request, session, definition)
    if chosen is None:
        chosen = [row["id"] for row in rows if not row["optional"]]
    return render(
        request,
        settings,
        "services.html",
        {
            "definition": definition,
            "rows": rows,
            "chosen": chosen,
            "consents": consents,
            "error": error,
        },
        status_code=422 if error else 200,
    )


@router.get("/life-events/{life_event}/services", response_class=HTMLResponse)
def choose(
    life_event: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    definition = _definition(life_event)
    if definition is None:
        return not_found(request, settings)
    draft = _answered(request, settings, life_event)
    if isinstance(draft, Response):
        return draft
    return _services_page(request, session, settings, definition, draft.services, draft.consents)


@router.post("/life-events/{life_event}/services", response_class=HTMLResponse)
async def chosen(
    life_event: str, request: Request, session: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    definition = _definition(life_event)
    if definition is None:
        return not_found(request, settings)
    if not csrf_valid(request, settings, form.get(CSRF_FIELD)):
        return expired_form(request, settings)
    draft = _answered(request, settings, life_event)
    if isinstance(draft, Response):
        return draft
    rows = await run_in_threadpool(service_rows, request, session, definition)
    picked = set(await form_lists(request, "services"))
    selected = [row["id"] for row in rows if not row["optional"] or row["id"] in picked]
    consents = [sid for sid in await form_lists(request, "consents") if sid in selected]
    _ = translations(request_language(request)).gettext
    titles = {row["id"]: row["title"] for row in rows}
    error = None
    for row in rows:
        missing = [need for need in row["needs"] if need not in selected]
        if row["id"] in selected and missing:
            error = _("“{service}” needs “{other}”: choose it too").format(
                service=row["title"], other=titles.get(missing[0], missing[0])
            )
            break
    if error:
        return await run_in_threadpool(
            _services_page, request, session, settings, definition, selected, consents, error
        )
    draft.services, draft.consents = selected, consents
    response = see_other(f"/life-events/{life_event}/check")
    _keep(response, settings, draft)
    return response


# --- check your answers, and send -------------------------------------------------------------


def _check_page(
    request: Request,
    session: Session,
    settings: Settings,
    definition: LifeEventDefinition,
    draft: Draft,
    error: str | None = None,
) -> HTMLResponse:
    language = request_language(request)
    sections = _builder(request, definition).sections()
    summary = [
        (
            section.title,
            [
                (q, questions.display(q, questions.answer(draft.answers, q), language))
                for q in section.questions
            ],
        )
        for section in sections
    ]
    rows = [
        row
        for row in service_rows(request, session, definition)
        if row["id"] in (draft.services or [])
    ]
    return render(
        request,
        settings,
        "check.html",
        {
            "definition": definition,
            "summary": summary,
            "rows": rows,
            "consents": draft.consents,
            # One per form: a second submission of the same form starts no second journey.
            "idempotency_key": secrets.token_urlsafe(24),
            "error": error,
        },
        status_code=422 if error else 200,
    )


@router.get("/life-events/{life_event}/check", response_class=HTMLResponse)
def check(
    life_event: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    definition = _definition(life_event)
    if definition is None:
        return not_found(request, settings)
    draft = _answered(request, settings, life_event)
    if isinstance(draft, Response):
        return draft
    if draft.services is None:
        return see_other(f"/life-events/{life_event}/services")
    return _check_page(request, session, settings, definition, draft)


@router.post("/life-events/{life_event}/check", response_class=HTMLResponse)
async def send(
    life_event: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    form: FormDep,
) -> Response:
    definition = _definition(life_event)
    if definition is None:
        return not_found(request, settings)
    if not csrf_valid(request, settings, form.get(CSRF_FIELD)):
        return expired_form(request, settings)
    draft = _answered(request, settings, life_event)
    if isinstance(draft, Response):
        return draft
    if draft.services is None:
        return see_other(f"/life-events/{life_event}/questions")
    idempotency_key = form.get("idempotency_key", "")
    if not IDEMPOTENCY_KEY.match(idempotency_key):
        return expired_form(request, settings)
    language = request_language(request)
    _ = translations(language).gettext
    answers = dict(draft.answers)
    answers["contact"] = {**answers.get("contact", {}), "language": language}
    body = {**answers, "services": draft.services, "consents": draft.consents}
    gateway = TemporalGateway(request.app.state.temporal, settings)
    signed_in = citizen_session(request, settings) if settings.sign_in_enabled else None
    try:
        accepted, _started = await intake.submit(
            session=session,
            settings=settings,
            gateway=gateway,
            life_event=life_event,
            body=body,
            bearer_token=None,
            idempotency_key=idempotency_key,
            channel="web",
            client_address=identity_checks.client_address(
                request.client.host if request.client else None,
                request.headers.get("x-forwarded-for"),
                settings.trusted_proxy_hops,
            ),
            # Signed in: the journey is theirs, listed on their journeys page.
            signed_in_owner=signed_in.subject_hash if signed_in else "",
        )
    except (Unprocessable, RegistryError):
        return await run_in_threadpool(
            _check_page,
            request,
            session,
            settings,
            definition,
            draft,
            _("Some answers need changing: check them and try again."),
        )
    except TooManyFailedIdentityChecks:
        return too_many_attempts(request, settings)
    except IdempotencyKeyReused:
        return expired_form(request, settings)
    response = see_other(f"/journeys/{accepted.journey_id}/sent")
    journey_cookie(response, accepted.journey_id, accepted.access_token)
    response.delete_cookie(DRAFT_COOKIE, path="/life-events")
    return response
