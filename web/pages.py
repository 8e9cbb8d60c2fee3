"""The citizen's pages: find a life event, tell us once, choose and consent, check and send,
then follow the journey. Server-rendered; they work without JavaScript."""

import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from api.deps import SessionDep, SettingsDep
from api.errors import (
    IdempotencyKeyReused,
    JourneyNotFound,
    StatusUnavailable,
    TooManyFailedIdentityChecks,
    Unprocessable,
)
from api.gateway import TemporalGateway
from api.services import intake
from lifeevents import identity_checks, journey_tokens
from lifeevents.catalog import LifeEventDefinition, get_catalog
from lifeevents.journey_tokens import TokenCheck
from lifeevents.plans import BundleEntry, bundle
from lifeevents.registry import RegistryError
from lifeevents.settings import Settings
from web import questions
from web.draft import DRAFT_COOKIE, Draft, seal, unseal
from web.i18n import LANGUAGE_COOKIE, LANGUAGES, NATIVE_NAMES, request_language, translations
from web.security import (
    CSRF_FIELD,
    SECURITY_HEADERS,
    csrf_secret,
    csrf_token,
    csrf_valid,
    ensure_csrf_cookie,
    local_path,
    set_cookie,
)

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# GOV.UK Frontend (vendored: static/govuk/README.md) and our own few files.
STATIC_DIR = Path(__file__).parent / "static"
JOURNEY_COOKIE = "journey"
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
JOURNEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
# A form's inputs: bounded before anything reads them.
MAX_FIELDS = 200
MAX_VALUE_CHARS = 1000


def render(
    request: Request,
    settings: Settings,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    language = request_language(request)
    gettext = translations(language).gettext
    response = templates.TemplateResponse(
        request,
        template,
        {
            "_": gettext,
            "lang": language,
            "other_languages": [
                (code, NATIVE_NAMES[code]) for code in LANGUAGES if code != language
            ],
            "here": request.url.path,
            "csrf_field": CSRF_FIELD,
            "csrf_token": csrf_token(settings, csrf_secret(request)),
            **(context or {}),
        },
        status_code=status_code,
        headers=SECURITY_HEADERS,
    )
    ensure_csrf_cookie(request, response)
    return response


def error_page(
    request: Request, settings: Settings, status_code: int, title: str, text: str
) -> HTMLResponse:
    return render(
        request, settings, "error.html", {"title": title, "text": text}, status_code=status_code
    )


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


async def form_of(request: Request) -> dict[str, str]:
    """The posted form as text values, each bounded; a repeated name keeps its last value."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    return {
        key: value[:MAX_VALUE_CHARS] for key, value in form.multi_items() if isinstance(value, str)
    }


async def form_lists(request: Request, name: str) -> list[str]:
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    return [v[:100] for v in form.getlist(name) if isinstance(v, str)][:50]


FormDep = Annotated[dict[str, str], Depends(form_of)]


def _definition(life_event: str) -> LifeEventDefinition | None:
    return get_catalog().get(life_event)


def _builder(request: Request, definition: LifeEventDefinition) -> questions.QuestionBuilder:
    language = request_language(request)
    return questions.QuestionBuilder(definition, language, translations(language).gettext)


def _not_found(request: Request, settings: Settings) -> HTMLResponse:
    _ = translations(request_language(request)).gettext
    return error_page(
        request,
        settings,
        404,
        _("Page not found"),
        _("If you typed the web address, check it is correct."),
    )


def _expired_form(request: Request, settings: Settings) -> HTMLResponse:
    _ = translations(request_language(request)).gettext
    return error_page(
        request,
        settings,
        403,
        _("This form has expired"),
        _("Nothing was sent. Go back, reload the page and try again."),
    )


# --- the start page ---------------------------------------------------------------------------


def _services(session: Session, definition: LifeEventDefinition) -> list[BundleEntry]:
    return bundle(session=session, definition=definition)


def _longest_sla(entries: list[BundleEntry]) -> timedelta | None:
    slas = [entry.registration.sla for entry in entries if entry.registration is not None]
    return max(slas) if slas else None


@router.get("/", response_class=HTMLResponse)
def start(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """Every life event of the catalog: what it does, whom it tells, what to have at hand."""
    events = []
    for definition in get_catalog().values():
        entries = _services(session, definition)
        if not entries:
            continue  # nothing could be told yet: not offered
        longest = _longest_sla(entries)
        events.append(
            {
                "definition": definition,
                "agencies": sorted({entry.agency.name for entry in entries}),
                "evidence": sorted(
                    {questions.humanise(e) for s in definition.services for e in s.evidence}
                ),
                "days": longest.days if longest else None,
                "deadlines": definition.deadlines,
            }
        )
    return render(request, settings, "start.html", {"events": events})


@router.get("/language/{language}")
def switch_language(language: str, request: Request, next: str | None = None) -> Response:
    """The language switch: remembered in a cookie, back to the same page."""
    response = see_other(local_path(next))
    if language in LANGUAGES:
        set_cookie(response, LANGUAGE_COOKIE, language, max_age=365 * 86_400)
    return response


# --- tell us once: the questions --------------------------------------------------------------


def _draft(request: Request, settings: Settings, life_event: str) -> Draft | None:
    draft = unseal(settings, request.cookies.get(DRAFT_COOKIE))
    return draft if draft is not None and draft.life_event == life_event else None


def _keep(request: Request, response: Response, settings: Settings, draft: Draft) -> None:
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
        return _not_found(request, settings)
    draft = _draft(request, settings, life_event)
    sections = _builder(request, definition).sections()
    values = questions.form_values(sections, draft.answers) if draft else {}
    return _questions_page(request, settings, definition, values, {})


@router.post("/life-events/{life_event}/questions", response_class=HTMLResponse)
def answer(life_event: str, request: Request, settings: SettingsDep, form: FormDep) -> Response:
    definition = _definition(life_event)
    if definition is None:
        return _not_found(request, settings)
    if not csrf_valid(request, settings, form.get(CSRF_FIELD)):
        return _expired_form(request, settings)
    builder = _builder(request, definition)
    sections = builder.sections()
    answers = questions.read_answers(sections, form)
    errors = questions.errors_of(definition, sections, answers, builder._)
    if errors:
        return _questions_page(request, settings, definition, form, errors)
    draft = _draft(request, settings, life_event) or Draft(life_event)
    draft.answers = answers
    response = see_other(f"/life-events/{life_event}/services")
    _keep(request, response, settings, draft)
    return response


# --- choose and consent -----------------------------------------------------------------------


def _field_labels(request: Request, definition: LifeEventDefinition) -> dict[str, str]:
    """What each intake field is called on the questions page ("About the child: Given name")."""
    return {
        q.path: f"{s.title}: {q.label}"
        for s in _builder(request, definition).sections()
        for q in s.questions
    }


def _service_rows(
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
                "agency": entry.agency.name,
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
    rows = _service_rows(request, session, definition)
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
        return _not_found(request, settings)
    draft = _draft(request, settings, life_event)
    if draft is None or not draft.answers:
        return see_other(f"/life-events/{life_event}/questions")
    return _services_page(request, session, settings, definition, draft.services, draft.consents)


@router.post("/life-events/{life_event}/services", response_class=HTMLResponse)
async def chosen(
    life_event: str, request: Request, session: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    definition = _definition(life_event)
    if definition is None:
        return _not_found(request, settings)
    if not csrf_valid(request, settings, form.get(CSRF_FIELD)):
        return _expired_form(request, settings)
    draft = _draft(request, settings, life_event)
    if draft is None or not draft.answers:
        return see_other(f"/life-events/{life_event}/questions")
    rows = await run_in_threadpool(_service_rows, request, session, definition)
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
    _keep(request, response, settings, draft)
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
        for row in _service_rows(request, session, definition)
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
        return _not_found(request, settings)
    draft = _draft(request, settings, life_event)
    if draft is None or not draft.answers:
        return see_other(f"/life-events/{life_event}/questions")
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
        return _not_found(request, settings)
    if not csrf_valid(request, settings, form.get(CSRF_FIELD)):
        return _expired_form(request, settings)
    draft = _draft(request, settings, life_event)
    if draft is None or not draft.answers or draft.services is None:
        return see_other(f"/life-events/{life_event}/questions")
    idempotency_key = form.get("idempotency_key", "")
    if not IDEMPOTENCY_KEY.match(idempotency_key):
        return _expired_form(request, settings)
    language = request_language(request)
    _ = translations(language).gettext
    answers = dict(draft.answers)
    answers["contact"] = {**answers.get("contact", {}), "language": language}
    body = {**answers, "services": draft.services, "consents": draft.consents}
    gateway = TemporalGateway(request.app.state.temporal, settings)
    try:
        accepted, _started = await intake.submit(
            session=session,
            settings=settings,
            gateway=gateway,
            life_event=life_event,
            body=body,
            bearer_token=None,
            idempotency_key=idempotency_key,
            client_address=identity_checks.client_address(
                request.client.host if request.client else None,
                request.headers.get("x-forwarded-for"),
                settings.trusted_proxy_hops,
            ),
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
        return error_page(
            request,
            settings,
            429,
            _("Too many attempts"),
            _("We could not check this identity several times lately. Try again later."),
        )
    except IdempotencyKeyReused:
        return _expired_form(request, settings)
    response = see_other(f"/journeys/{accepted.journey_id}/sent")
    _journey_cookie(request, response, accepted.journey_id, accepted.access_token)
    response.delete_cookie(DRAFT_COOKIE, path="/life-events")
    return response


# --- the journey ------------------------------------------------------------------------------


def _journey_cookie(request: Request, response: Response, journey_id: str, token: str) -> None:
    """The journey's token, for this journey's pages only, until the browser closes."""
    set_cookie(response, JOURNEY_COOKIE, token, path=f"/journeys/{journey_id}")


def _token_check(session: Session, settings: Settings, token: str, journey_id: str) -> TokenCheck:
    try:
        return journey_tokens.check(session, settings, token[:500], journey_id)
    finally:
        session.close()


def _link_expired(request: Request, settings: Settings) -> HTMLResponse:
    _ = translations(request_language(request)).gettext
    return error_page(
        request,
        settings,
        401,
        _("This link has expired"),
        _("For your security, links to a journey stop working after a while."),
    )


async def _opened(
    request: Request, session: Session, settings: Settings, journey_id: str
) -> HTMLResponse | None:
    """None when this browser holds a valid token of the journey; else the page to show."""
    token = request.cookies.get(JOURNEY_COOKIE)
    if not token or not JOURNEY_ID.match(journey_id):
        return _not_found(request, settings)
    match await run_in_threadpool(_token_check, session, settings, token, journey_id):
        case TokenCheck.VALID:
            return None
        case TokenCheck.EXPIRED | TokenCheck.REVOKED:
            return _link_expired(request, settings)
        case _:
            return _not_found(request, settings)


@router.get("/journeys/{journey_id}/sent", response_class=HTMLResponse)
async def sent(
    journey_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    refused = await _opened(request, session, settings, journey_id)
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
            return _not_found(request, settings)
        match await run_in_threadpool(_token_check, session, settings, token, journey_id):
            case TokenCheck.VALID:
                response = see_other(f"/journeys/{journey_id}")
                _journey_cookie(request, response, journey_id, token)
                return response
            case TokenCheck.EXPIRED | TokenCheck.REVOKED:
                return _link_expired(request, settings)
            case _:
                return _not_found(request, settings)
    refused = await _opened(request, session, settings, journey_id)
    if refused is not None:
        return refused
    gateway = TemporalGateway(request.app.state.temporal, settings)
    language = request_language(request)
    _ = translations(language).gettext
    try:
        status = await gateway.journey_status(journey_id)
    except JourneyNotFound:
        return _not_found(request, settings)
    except StatusUnavailable:
        return error_page(
            request,
            settings,
            503,
            _("Sorry, there is a problem with the service"),
            _("Try again in a few minutes."),
        )
    definition = _definition(status.life_event)
    return render(
        request,
        settings,
        "journey.html",
        {
            "status": status,
            "definition": definition,
            "format_date": lambda moment: format_date(moment, format="long", locale=language),
        },
    )
