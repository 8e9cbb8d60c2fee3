"""Assisted intake in the console: a caseworker picks a life event, asks the person its questions
(the citizen's own, web/questions.py), the services and the person's consents, and attests how
the person consented. It is filed through the API's service function
(use_cases/assisted_intake.py): validated as the person's intake, channel ``assisted``, the
attestation and the audit entry under the operator's name. The person is e-mailed their
journey's link; the caseworker sees the journey's reference, never the person's token."""

import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from core.catalog import LifeEventDefinition, get_catalog
from core.registry import RegistryError
from core.settings import Settings
from use_cases import assisted_intake, links
from use_cases.assisted_intake import AssistedIntakeBody, ConsentAttestation
from use_cases.deps import SessionDep, SettingsDep
from use_cases.errors import IdempotencyKeyReused, TooManyFailedIdentityChecks, Unprocessable
from use_cases.gateway import TemporalGateway
from web import questions
from web.console.checked_form import CheckedFormDep
from web.console.missing_page import PageNotFound
from web.console.session import OperatorSession, OperatorSessionDep
from web.i18n import LANGUAGES, NATIVE_NAMES, request_language, translations
from web.intake_pages import service_rows
from web.rendering import expired_form, form_lists, not_found, render, too_many_attempts

router = APIRouter(include_in_schema=False)
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
METHODS = ("in_person", "phone", "video", "paper_form")


def _builder(request: Request, definition: LifeEventDefinition) -> questions.QuestionBuilder:
    language = request_language(request)
    return questions.QuestionBuilder(definition, language, translations(language).gettext)


@router.get("/console/assisted-intake", response_class=HTMLResponse)
def pick_life_event(
    request: Request, operator: OperatorSessionDep, settings: SettingsDep
) -> HTMLResponse:
    language = request_language(request)
    events = sorted(
        (definition.title.in_(language), code) for code, definition in get_catalog().items()
    )
    return render(
        request,
        settings,
        "console/assisted_intake_start.html",
        {"operator": operator, "life_events": events},
    )


def _form_page(
    request: Request,
    session: Session,
    settings: Settings,
    operator: OperatorSession,
    definition: LifeEventDefinition,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    sections = _builder(request, definition).sections()
    anchors = {q.path: q.anchor for s in sections for q in s.questions}
    titles = {q.path: s.title for s in sections for q in s.questions}
    summary = [
        (anchors[path], f"{titles[path]}: {text}") if path in anchors else (path, text)
        for path, text in errors.items()
    ]
    rows = service_rows(request, session, definition)
    return render(
        request,
        settings,
        "console/assisted_intake.html",
        {
            "operator": operator,
            "definition": definition,
            "sections": sections,
            "rows": rows,
            "values": values,
            "errors": errors,
            "summary": summary,
            "methods": METHODS,
            "languages": [(code, NATIVE_NAMES[code]) for code in LANGUAGES],
            "idempotency_key": values.get("idempotency_key") or secrets.token_urlsafe(24),
        },
        status_code=status_code,
    )


@router.get("/console/assisted-intake/{life_event}", response_class=HTMLResponse)
async def ask(
    life_event: str,
    request: Request,
    operator: OperatorSessionDep,
    session: SessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    definition = get_catalog().get(life_event)
    if definition is None:
        return not_found(request, settings)
    rows = await run_in_threadpool(service_rows, request, session, definition)
    values: dict[str, Any] = {"services": [r["id"] for r in rows if not r["optional"]]}
    return await run_in_threadpool(
        _form_page, request, session, settings, operator, definition, values, {}
    )


def _check(
    form: dict[str, str],
    picked: list[str],
    consented: list[str],
    rows: list[dict[str, Any]],
    definition: LifeEventDefinition,
    builder: questions.QuestionBuilder,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The intake's body (answers, services, consents) and the errors by field."""
    _ = builder._
    sections = builder.sections()
    answers = questions.read_answers(sections, form)
    errors = questions.errors_of(definition, sections, answers, _)
    email = (answers.get("contact") or {}).get("email")
    if not email and "contact.email" not in errors:
        errors["contact.email"] = _("Enter the person's e-mail address: they get their link by it")
    selected = [row["id"] for row in rows if not row["optional"] or row["id"] in picked]
    for row in rows:
        missing = [need for need in row["needs"] if need not in selected]
        if row["id"] in selected and missing:
            errors["services"] = _("“{service}” needs “{other}”: choose it too").format(
                service=row["title"], other=missing[0]
            )
            break
    language = form.get("person_language", "")
    if language not in LANGUAGES:
        errors["person_language"] = _("Choose the language the person reads")
    answers["contact"] = {**answers.get("contact", {}), "language": language or "en"}
    consents = [sid for sid in consented if sid in selected]
    return {**answers, "services": selected, "consents": consents}, errors


def _definition(life_event: str, settings: SettingsDep) -> LifeEventDefinition:
    definition = get_catalog().get(life_event)
    if definition is None:
        raise PageNotFound(settings)
    return definition


@router.post("/console/assisted-intake/{life_event}", response_class=HTMLResponse)
async def file_intake(
    life_event: str,
    request: Request,
    background: BackgroundTasks,
    operator: OperatorSessionDep,
    definition: Annotated[LifeEventDefinition, Depends(_definition)],
    session: SessionDep,
    settings: SettingsDep,
    form: CheckedFormDep,
) -> Response:
    idempotency_key = form.get("idempotency_key", "")
    if not IDEMPOTENCY_KEY.match(idempotency_key):
        return expired_form(request, settings)
    _ = translations(request_language(request)).gettext
    builder = _builder(request, definition)
    rows = await run_in_threadpool(service_rows, request, session, definition)
    picked = await form_lists(request, "services")
    consented = await form_lists(request, "consents")
    body, errors = _check(form, picked, consented, rows, definition, builder)
    attestation: ConsentAttestation | None = None
    try:
        attestation = ConsentAttestation.model_validate(
            {
                "method": form.get("consent_method") or None,
                "evidence_reference": form.get("evidence_reference", "").strip() or None,
            }
        )
    except ValidationError as invalid:
        for item in invalid.errors():
            if item["loc"] and item["loc"][0] == "method":
                errors["consent_method"] = _("Choose how the person gave their consent")
            else:
                errors["evidence_reference"] = _("Enter letters, digits and . _ / - only")
    values: dict[str, Any] = {
        **form,
        "services": body["services"],
        "consents": body["consents"],
        "idempotency_key": idempotency_key,
    }
    if errors or attestation is None:
        return await run_in_threadpool(
            _form_page, request, session, settings, operator, definition, values, errors, 422
        )
    gateway = TemporalGateway(request.app.state.temporal, settings)
    try:
        accepted, started = await assisted_intake.submit(
            session=session,
            settings=settings,
            gateway=gateway,
            operator=operator.actor,
            life_event=life_event,
            body=AssistedIntakeBody(intake=body, consent=attestation),
            idempotency_key=idempotency_key,
        )
    except (Unprocessable, RegistryError):
        problem = {"answers": _("Some answers need changing: check them and try again.")}
        return await run_in_threadpool(
            _form_page, request, session, settings, operator, definition, values, problem, 422
        )
    except TooManyFailedIdentityChecks:
        return too_many_attempts(request, settings)
    except IdempotencyKeyReused:
        return expired_form(request, settings)
    if started:
        background.add_task(links.send_fresh_link, settings, gateway, accepted.journey_id)
    return render(
        request,
        settings,
        "console/assisted_intake_sent.html",
        {"operator": operator, "definition": definition, "journey_id": accepted.journey_id},
    )  # FastAPI runs ``background`` (the person's e-mail) after this response
