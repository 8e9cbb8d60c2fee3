"""Journeys: where one stands (citizens), and all of them filtered (operators)."""

import re
from datetime import datetime
from typing import Annotated, Any, get_args

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlmodel import col, select
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import JourneyAccessDep, OperatorDep, SessionDep, TemporalDep
from api.errors import schema_error_detail, unprocessable
from lifeevents import audit, search_attributes
from lifeevents.catalog import get_catalog
from lifeevents.ids import is_journey_id
from lifeevents.models import (
    CancelRequest,
    CitizenRequest,
    Confirmation,
    ConsentAnswer,
    InformationAnswer,
    JourneyState,
    JourneyStatus,
    StepStatus,
)
from lifeevents.tables import AuditEntry
from workflows.journey import LifeEventJourney

router = APIRouter(prefix="/v1/journeys", tags=["journeys"])
_CODE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,99}$")


def _not_found(journey_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"No journey '{journey_id}'")


async def _audit(
    session: SessionDep, actor: str, action: str, journey_id: str, detail: dict[str, Any]
) -> None:
    await run_in_threadpool(
        lambda: audit.append(
            session, actor=actor, action=action, journey_id=journey_id, detail=detail
        )
    )


def _journey(temporal: TemporalDep, journey_id: str) -> WorkflowHandle[Any, JourneyStatus]:
    if not is_journey_id(journey_id):
        raise _not_found(journey_id)
    return temporal.get_workflow_handle_for(LifeEventJourney.run, journey_id)


async def _update(handle: WorkflowHandle[Any, JourneyStatus], update: Any, arg: Any) -> Any:
    """Run an update; a refusal by the journey's validator is a 409 with its reason."""
    try:
        return await handle.execute_update(update, arg)
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        message = getattr(cause, "message", None) or str(cause or error)
        raise HTTPException(status.HTTP_409_CONFLICT, message) from error
    except RPCError as error:
        if error.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise
        # The server answers an update to a closed journey as if it did not exist: tell apart.
        try:
            await handle.describe()
        except RPCError as missing:
            raise _not_found(handle.id) from missing
        raise HTTPException(status.HTTP_409_CONFLICT, "The journey is over") from error


@router.post("/{journey_id}/consents", response_model=StepStatus)
async def give_consent(
    journey_id: str,
    answer: ConsentAnswer,
    access: JourneyAccessDep,
    temporal: TemporalDep,
    session: SessionDep,
) -> Any:
    """Give, refuse or withdraw consent for a service's purpose, before it receives any data."""
    handle = _journey(temporal, journey_id)
    result = await _update(handle, LifeEventJourney.give_consent, answer)
    action = "consent_given" if answer.given else "consent_refused"
    await _audit(session, access.who, action, journey_id, {"service_id": answer.service_id})
    return result


@router.post("/{journey_id}/information", response_model=CitizenRequest)
async def provide_information(
    journey_id: str, answer: InformationAnswer, access: JourneyAccessDep, temporal: TemporalDep
) -> Any:
    """Answer a request for information; the waiting step goes on at once."""
    handle = _journey(temporal, journey_id)
    return await _update(handle, LifeEventJourney.provide_information, answer)


@router.post("/{journey_id}/cancel", response_model=JourneyStatus)
async def cancel_journey(
    journey_id: str,
    access: JourneyAccessDep,
    temporal: TemporalDep,
    session: SessionDep,
    request: CancelRequest | None = None,
) -> Any:
    """Stop the journey: pending steps stop, finished ones are undone where they can be."""
    handle = _journey(temporal, journey_id)
    result = await _update(handle, LifeEventJourney.cancel, request or CancelRequest())
    await _audit(session, access.who, "journey_cancelled", journey_id, {})
    return result


@router.get("/{journey_id}", response_model=JourneyStatus)
async def get_journey(
    journey_id: str, access: JourneyAccessDep, temporal: TemporalDep
) -> JourneyStatus:
    """Where every step of a journey stands, while it runs and after."""
    return await _status(journey_id, temporal)


async def _status(journey_id: str, temporal: TemporalDep) -> JourneyStatus:
    handle = _journey(temporal, journey_id)
    try:
        description = await handle.describe()
        if description.workflow_type != "LifeEventJourney":
            raise _not_found(journey_id)
        if description.status == WorkflowExecutionStatus.COMPLETED:
            # The result is in history: no worker is needed to answer.
            return await handle.result()
        return await handle.query(LifeEventJourney.status)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise _not_found(journey_id) from error
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "The journey's status is unavailable right now"
        ) from error


class JourneySummary(BaseModel):
    journey_id: str
    life_event: str | None
    state: str | None
    agencies: list[str]
    execution_status: str | None
    started_at: datetime | None
    closed_at: datetime | None


class JourneyList(BaseModel):
    journeys: list[JourneySummary]
    # The visibility query used: paste it into the Temporal UI or `temporal workflow list -q`.
    query: str


def _code(name: str, value: str | None) -> str | None:
    if value is not None and not _CODE.match(value):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"loc": ["query", name], "msg": "Invalid value", "type": "value_error"}],
        )
    return value


@router.get("", response_model=JourneyList)
async def list_journeys(
    _: OperatorDep,
    temporal: TemporalDep,
    life_event: str | None = None,
    state: Annotated[JourneyState | None, Query()] = None,
    agency: str | None = None,
    escalated: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JourneyList:
    """Operators: journeys filtered by life event, state, agency and escalation (visibility)."""
    clauses = ['WorkflowType = "LifeEventJourney"']
    if (value := _code("life_event", life_event)) is not None:
        clauses.append(f'{search_attributes.LIFE_EVENT.name} = "{value}"')
    if state is not None:
        assert state in get_args(JourneyState)
        clauses.append(f'{search_attributes.JOURNEY_STATE.name} = "{state}"')
    if (value := _code("agency", agency)) is not None:
        clauses.append(f'{search_attributes.JOURNEY_AGENCIES.name} = "{value}"')
    if escalated is not None:
        clauses.append(f"{search_attributes.JOURNEY_ESCALATED.name} = {str(escalated).lower()}")
    query = " AND ".join(clauses)
    journeys: list[JourneySummary] = []
    async for execution in temporal.list_workflows(query, limit=limit):
        attributes = execution.typed_search_attributes
        journeys.append(
            JourneySummary(
                journey_id=execution.id,
                life_event=attributes.get(search_attributes.LIFE_EVENT),
                state=attributes.get(search_attributes.JOURNEY_STATE),
                agencies=list(attributes.get(search_attributes.JOURNEY_AGENCIES) or []),
                execution_status=execution.status.name.lower() if execution.status else None,
                started_at=execution.start_time,
                closed_at=execution.close_time,
            )
        )
    return JourneyList(journeys=journeys, query=query)


@router.post("/{journey_id}/confirmation", response_model=JourneyStatus)
async def confirm_journey(
    journey_id: str, answer: Confirmation, access: JourneyAccessDep, temporal: TemporalDep
) -> Any:
    """Confirm a journey a registry's event offered you: who you are, which services, consents."""
    handle = _journey(temporal, journey_id)
    status_now = await _status(journey_id, temporal)
    definition = get_catalog().get(status_now.life_event)
    assert definition is not None
    errors = sorted(
        definition.part_validator("informant").iter_errors(answer.informant),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        details = [schema_error_detail(error) for error in errors]
        for detail in details:
            detail["loc"] = ["body", "informant", *detail["loc"][1:]]
        raise unprocessable(details)
    return await _update(handle, LifeEventJourney.confirm, answer)


class AccessLogEntry(BaseModel):
    at: datetime
    who: str
    what: str
    detail: dict[str, Any]


@router.get("/{journey_id}/access-log", response_model=list[AccessLogEntry])
def access_log(
    journey_id: str, access: JourneyAccessDep, session: SessionDep
) -> list[AccessLogEntry]:
    """Who received or read this person's data, and what was done to the journey, oldest first
    (from the audit trail)."""
    entries = session.exec(
        select(AuditEntry).where(AuditEntry.journey_id == journey_id).order_by(col(AuditEntry.id))
    ).all()
    return [AccessLogEntry(at=e.at, who=e.actor, what=e.action, detail=e.detail) for e in entries]
