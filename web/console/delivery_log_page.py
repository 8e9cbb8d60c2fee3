"""An agency service's delivery log in the console: its failure and SLA-breach rates over the last
30 days, then what was sent when and what came back, newest first, a page at a time; each
submission can be sent to the agency again, with a reason (the service function the API's
``…/deliveries/{id}/resend`` calls, so the journey decides and the audit trail records it)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from core import delivery_log
from core.models import Resubmission
from core.registry import ServiceRegistration
from core.settings import Settings
from core.tables import AgencyService, DeliveryAttempt
from use_cases import operator_actions
from use_cases.deps import SessionDep, SettingsDep
from use_cases.errors import JourneyNotFound, UpdateRefused
from use_cases.gateway import TemporalGateway
from web.console.checked_form import CheckedFormDep
from web.console.journey_page import MAX_REASON, MEANINGFUL
from web.console.session import OperatorSession, OperatorSessionDep
from web.i18n import request_language, translations
from web.rendering import not_found, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
RATES_DAYS = 30
MAX_ROW_ID = 2**63 - 1


def _service(session: Session, agency_id: str, service_id: str) -> AgencyService | None:
    row = session.get(AgencyService, service_id[:100])
    return row if row is not None and row.agency_id == agency_id else None


def _log(
    session: Session, agency_id: str, service_id: str, before: int | None
) -> tuple[AgencyService, list[DeliveryAttempt], delivery_log.ServiceRates] | None:
    """The service, a page of its log before ``before`` (newest first), its rates."""
    try:
        service = _service(session, agency_id, service_id)
        if service is None:
            return None
        query = select(DeliveryAttempt).where(
            DeliveryAttempt.agency_id == agency_id, DeliveryAttempt.service_id == service_id
        )
        if before is not None:
            query = query.where(col(DeliveryAttempt.id) < before)
        rows = list(session.exec(query.order_by(col(DeliveryAttempt.id).desc()).limit(PAGE_SIZE)))
        sla = ServiceRegistration.model_validate(service.registration).sla
        now = datetime.now(UTC)
        found = delivery_log.rates(
            session, agency_id, service_id, sla=sla, since=now - timedelta(days=RATES_DAYS), now=now
        )
        return service, rows, found
    finally:
        session.close()


def _before(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_ROW_ID else None


async def _page(
    request: Request,
    settings: Settings,
    session: Session,
    operator: OperatorSession,
    agency_id: str,
    service_id: str,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    before = _before(request.query_params.get("before", "")[:20])
    found = await run_in_threadpool(_log, session, agency_id, service_id, before)
    if found is None:
        return not_found(request, settings)
    service, rows, rates = found
    older = rows[-1].id if len(rows) == PAGE_SIZE else None
    return render(
        request,
        settings,
        "console/deliveries.html",
        {
            "operator": operator,
            "agency_id": agency_id,
            "service": service,
            "deliveries": rows,
            "rates": rates,
            "rates_days": RATES_DAYS,
            "older_url": f"?before={older}" if older is not None else None,
            "errors": {},
            "values": {},
            **(extra or {}),
        },
        status_code=status_code,
    )


@router.get(
    "/console/agencies/{agency_id}/services/{service_id}/deliveries",
    response_class=HTMLResponse,
)
async def deliveries(
    agency_id: str,
    service_id: str,
    request: Request,
    operator: OperatorSessionDep,
    session: SessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    return await _page(request, settings, session, operator, agency_id, service_id)


def _delivery(
    session: Session, agency_id: str, service_id: str, delivery_id: int
) -> DeliveryAttempt | None:
    try:
        row = session.get(DeliveryAttempt, delivery_id)
        ours = row is not None and (row.agency_id, row.service_id) == (agency_id, service_id)
        return row if ours else None
    finally:
        session.close()


@router.post(
    "/console/agencies/{agency_id}/services/{service_id}/deliveries/{delivery_id}/resend",
    response_class=HTMLResponse,
)
async def resend_delivery(
    agency_id: str,
    service_id: str,
    delivery_id: int,
    request: Request,
    operator: OperatorSessionDep,
    session: SessionDep,
    settings: SettingsDep,
    form: CheckedFormDep,
) -> Response:
    if not 0 < delivery_id <= MAX_ROW_ID:
        return not_found(request, settings)
    row = await run_in_threadpool(_delivery, session, agency_id, service_id, delivery_id)
    if row is None:
        return not_found(request, settings)
    _ = translations(request_language(request)).gettext
    field = f"resend-{delivery_id}-reason"
    reason = " ".join(form.get("reason", "").split())
    if not MEANINGFUL.search(reason) or len(reason) > MAX_REASON:
        text = _("Enter the reason for this action, up to 500 characters")
        extra = {
            "errors": {delivery_id: text},
            "values": {delivery_id: reason[:MAX_REASON]},
            "summary": [(field, text)],
        }
        return await _page(request, settings, session, operator, agency_id, service_id, extra, 422)
    gateway = TemporalGateway(request.app.state.temporal, settings)
    resubmission = Resubmission(step_id=service_id, reason=reason)
    try:
        await operator_actions.resubmit(
            gateway, session, operator.actor, row.journey_id, resubmission, delivery_id=delivery_id
        )
    except (UpdateRefused, JourneyNotFound) as refused:
        why = refused.message if isinstance(refused, UpdateRefused) else _("No such journey")
        text = _("The journey refused this action: {why}").format(why=why)
        extra = {
            "errors": {delivery_id: text},
            "values": {delivery_id: reason},
            "summary": [(field, text)],
        }
        return await _page(request, settings, session, operator, agency_id, service_id, extra, 409)
    done = _("Delivery {id} is sent to the agency again, in a new round.").format(id=delivery_id)
    return await _page(
        request, settings, session, operator, agency_id, service_id, {"action_done": done}
    )
