"""Operators read an agency service's delivery log, its failure and SLA-breach rates, and send
a logged submission to the agency again."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from api.deps import OperatorDep, RowId
from api.openapi import problem_responses
from api.pagination import LINK_HEADER, PageDep
from core import delivery_log
from core.models import JourneyStatus, Resubmission
from core.models.operator import Reason
from core.registry import ServiceRegistration
from core.tables import AgencyService, DeliveryAttempt
from use_cases import operator_actions
from use_cases.deps import GatewayDep, SessionDep

router = APIRouter(prefix="/v1/agencies/{agency_id}/services/{service_id}", tags=["operators"])
_NO_SERVICE = problem_responses({404: "No such service at this agency"})


class Delivery(BaseModel):
    id: int
    at: datetime
    journey_id: str
    round: int
    kind: str
    attempt: int | None
    outcome: str
    status_code: int | None
    decision: str | None
    elapsed_ms: int | None


class DeliveryRates(BaseModel):
    since: datetime
    sla: timedelta
    submissions: int
    failed: int
    failure_rate: float | None
    awaited: int
    sla_breaches: int
    sla_breach_rate: float | None


class DeliveryResend(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "The agency lost it (their ticket 5521)"}]},
    )

    reason: Reason


def _service(session: Session, agency_id: str, service_id: str) -> AgencyService:
    row = session.get(AgencyService, service_id)
    if row is None or row.agency_id != agency_id:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"No service '{service_id}' at '{agency_id}'"
        )
    return row


@router.get(
    "/deliveries",
    response_model=list[Delivery],
    responses={**_NO_SERVICE, 200: {"description": "A page of it", "headers": LINK_HEADER}},
)
def list_deliveries(
    agency_id: str,
    service_id: str,
    _: OperatorDep,
    session: SessionDep,
    page: PageDep,
    journey_id: Annotated[str | None, Query(max_length=36)] = None,
) -> list[Any]:
    """The service's delivery log, oldest first, a page at a time: each submission attempt (the
    round, the attempt, the HTTP status or the kind of failure, the time taken, a decision given
    at once) and each decision received later by callback. Never what was sent."""
    _service(session, agency_id, service_id)
    query = select(DeliveryAttempt).where(
        DeliveryAttempt.agency_id == agency_id, DeliveryAttempt.service_id == service_id
    )
    if journey_id is not None:
        query = query.where(DeliveryAttempt.journey_id == journey_id)
    scope = f"{agency_id}/{service_id}/{journey_id or ''}"
    return page.scoped("deliveries", scope).rows(session, query, col(DeliveryAttempt.id))


@router.get("/delivery-rates", response_model=DeliveryRates, responses=_NO_SERVICE)
def get_delivery_rates(
    agency_id: str,
    service_id: str,
    _: OperatorDep,
    session: SessionDep,
    days: Annotated[int, Query(ge=1, le=365)] = 30,
) -> DeliveryRates:
    """Over the last ``days``: submissions, those that never got through (``failure_rate``), and
    of those the agency accepted to decide later, the ones decided after the service's current
    SLA or still undecided past it (``sla_breach_rate``). Rates are null with nothing to count."""
    sla = ServiceRegistration.model_validate(
        _service(session, agency_id, service_id).registration
    ).sla
    now = datetime.now(UTC)
    since = now - timedelta(days=days)
    found = delivery_log.rates(session, agency_id, service_id, sla=sla, since=since, now=now)
    return DeliveryRates(
        since=since,
        sla=sla,
        submissions=found.submissions,
        failed=found.failed,
        failure_rate=found.failure_rate,
        awaited=found.awaited,
        sla_breaches=found.sla_breaches,
        sla_breach_rate=found.sla_breach_rate,
    )


@router.post(
    "/deliveries/{delivery_id}/resend",
    response_model=JourneyStatus,
    responses=problem_responses(
        {
            404: "No such delivery of this service, or its journey is gone",
            409: "The step no longer waits for its agency (the detail says where it stands)",
        }
    ),
)
async def resend_delivery(
    agency_id: str,
    service_id: str,
    delivery_id: RowId,
    body: DeliveryResend,
    operator: OperatorDep,
    session: SessionDep,
    gateway: GatewayDep,
) -> Any:
    """Send the logged submission's step to the agency again (as ``POST
    /v1/journeys/{id}/resubmit``: a new round, while the step waits for the agency), audited."""
    row = await run_in_threadpool(session.get, DeliveryAttempt, delivery_id)
    if row is None or (row.agency_id, row.service_id) != (agency_id, service_id):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"No delivery {delivery_id} of '{service_id}'"
        )
    resubmission = Resubmission(step_id=service_id, reason=body.reason)
    return await operator_actions.resubmit(
        gateway, session, operator, row.journey_id, resubmission, delivery_id=delivery_id
    )
