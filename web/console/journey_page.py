"""A journey, as an operator sees it: opened only with a stated reason, which the audit trail
records under the operator's own name before anything is shown. Its timeline, requests,
deadlines, compensations, access log, and its history in the Temporal UI."""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from core import audit, identity_checks
from core.catalog import get_catalog
from core.ids import is_journey_id
from core.models import JourneyStatus
from core.settings import Settings
from core.tables import Agency, AuditEntry
from use_cases.deps import SessionDep, SettingsDep
from use_cases.gateway import TemporalGateway
from use_cases.journey_search import temporal_ui_journey_url
from web.console.applicable_actions import applicable_actions
from web.console.checked_form import CheckedFormDep
from web.console.missing_page import PageNotFound
from web.console.session import OperatorSession, OperatorSessionDep
from web.i18n import request_language, translations
from web.journey_status import status_or_error_page
from web.rendering import not_found, render

router = APIRouter(include_in_schema=False)
MAX_REASON = 500
ACCESS_LOG_SHOWN = 500
# A reason says something: a few words, not a keystroke.
MEANINGFUL = re.compile(r"\w{2,}.*\w{2,}", re.DOTALL)


def _reason_page(
    request: Request,
    settings: Settings,
    journey_id: str,
    operator: OperatorSession,
    error: str | None = None,
    reason: str = "",
) -> HTMLResponse:
    return render(
        request,
        settings,
        "console/journey_reason.html",
        {
            "journey_id": journey_id,
            "operator": operator,
            "error": error,
            "summary": [("reason", error)] if error else [],
            "reason": reason,
        },
        status_code=422 if error else 200,
    )


@router.get("/console/journeys/{journey_id}", response_class=HTMLResponse)
def ask_reason(
    journey_id: str, request: Request, operator: OperatorSessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Before a person's journey opens: why the operator needs to see it."""
    if not is_journey_id(journey_id):
        return not_found(request, settings)
    return _reason_page(request, settings, journey_id, operator)


def _record_view(session: Session, operator: OperatorSession, journey_id: str, reason: str) -> None:
    """The view, in the audit trail under the operator's name, before anything is shown."""
    try:
        audit.append(
            session,
            actor=operator.actor,
            action="journey_accessed",
            journey_id=journey_id,
            detail={"reason": reason, "via": "console"},
        )
    finally:
        session.close()


def _page_records(
    session: Session, journey_id: str
) -> tuple[dict[str, str], list[AuditEntry], str | None]:
    """What the page shows from the database: agencies' names, the access log (this view and
    the actions included), why the identity check failed."""
    try:
        names = {agency.agency_id: agency.name for agency in session.exec(select(Agency))}
        entries = session.exec(
            select(AuditEntry)
            .where(AuditEntry.journey_id == journey_id)
            .order_by(col(AuditEntry.id))
            .limit(ACCESS_LOG_SHOWN)
        ).all()
        return names, list(entries), identity_checks.failure_reason(session, journey_id)
    finally:
        session.close()


def timeline(status: JourneyStatus) -> list[dict[str, Any]]:
    """What happened, oldest first: the start, each step's latest change, requests, the end."""
    events: list[dict[str, Any]] = [{"at": status.started_at, "what": "started", "id": None}]
    events += [
        {"at": step.updated_at, "what": step.state, "id": step.id}
        for step in status.steps
        if step.state != "pending"
    ]
    events += [
        {"at": r.created_at, "what": f"request_{r.kind}", "id": r.step_id} for r in status.requests
    ]
    if status.completed_at is not None:
        events.append({"at": status.completed_at, "what": status.state, "id": None})
    return sorted(events, key=lambda event: event["at"])


def _journey_id(journey_id: str, settings: SettingsDep) -> str:
    if not is_journey_id(journey_id):
        raise PageNotFound(settings)
    return journey_id


# A journey id in the path, checked before a posted form is (not one: the not-found page).
JourneyIdDep = Annotated[str, Depends(_journey_id)]


@router.post("/console/journeys/{journey_id}", response_class=HTMLResponse)
async def view_journey(
    request: Request,
    operator: OperatorSessionDep,
    journey_id: JourneyIdDep,
    session: SessionDep,
    settings: SettingsDep,
    form: CheckedFormDep,
) -> Response:
    _ = translations(request_language(request)).gettext
    reason = " ".join(form.get("reason", "").split())
    if not MEANINGFUL.search(reason) or len(reason) > MAX_REASON:
        error = _("Enter why you need to see this journey, up to 500 characters")
        return _reason_page(request, settings, journey_id, operator, error, reason[:MAX_REASON])
    gateway = TemporalGateway(request.app.state.temporal, settings)
    status = await status_or_error_page(request, settings, gateway, journey_id)
    if isinstance(status, HTMLResponse):
        return status
    await run_in_threadpool(_record_view, session, operator, journey_id, reason)
    return await journey_view(request, settings, session, operator, status, view_reason=reason)


async def journey_view(
    request: Request,
    settings: Settings,
    session: Session,
    operator: OperatorSession,
    status: JourneyStatus,
    *,
    view_reason: str,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The journey's page, with the actions that apply to it now (``extra``: an action's
    outcome or its errors, web/console/journey_actions.py)."""
    agencies, access_log, identity_detail = await run_in_threadpool(
        _page_records, session, status.journey_id
    )
    language = request_language(request)
    return render(
        request,
        settings,
        "console/journey.html",
        {
            "operator": operator,
            "status": status,
            "definition": get_catalog().get(status.life_event),
            "titles": {step.id: step.title.in_(language) for step in status.steps if step.title},
            "agencies": agencies,
            "timeline": timeline(status),
            "access_log": access_log,
            "identity_detail": identity_detail,
            "reason": view_reason,
            "actions": applicable_actions(status),
            "action_errors": {},
            "action_values": {},
            "temporal_ui_url": temporal_ui_journey_url(
                settings.effective_temporal_ui_url, settings.temporal_namespace, status.journey_id
            ),
            **(extra or {}),
        },
        status_code=status_code,
    )
