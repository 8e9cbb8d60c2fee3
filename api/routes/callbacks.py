"""Agencies' later decisions: a callback resumes the waiting step at once (a signal)."""

import structlog
from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel
from temporalio.service import RPCError, RPCStatusCode

from api.deps import SettingsDep, TemporalDep
from lifeevents.callbacks import resolve_callback
from lifeevents.logging import journey_id_of
from lifeevents.models import AgencyDecision
from workflows.agency_service import AgencyServiceWorkflow

router = APIRouter(prefix="/v1/agency-callbacks", tags=["integrators"])
log = structlog.get_logger(__name__)


class CallbackAccepted(BaseModel):
    accepted: bool = True


@router.post(
    "/{callback_id}", status_code=status.HTTP_202_ACCEPTED, response_model=CallbackAccepted
)
async def agency_callback(
    callback_id: str, decision: AgencyDecision, settings: SettingsDep, temporal: TemporalDep
) -> CallbackAccepted:
    """An agency reports its decision on a request it accepted earlier."""
    target = resolve_callback(settings.app_secret, callback_id)
    if target is None:
        log.warning("callback refused", reason="unknown or forged callback id")
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Unknown callback")
    workflow_id, round_ = target
    handle = temporal.get_workflow_handle_for(AgencyServiceWorkflow.run, workflow_id)
    try:
        await handle.signal(
            AgencyServiceWorkflow.agency_decision, decision.model_copy(update={"round": round_})
        )
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            # The step already ended (decided, timed out or cancelled): nothing to resume.
            raise HTTPException(status.HTTP_409_CONFLICT, "This step no longer waits") from error
        raise
    log.info(
        "agency decision received",
        journey_id=journey_id_of(workflow_id),
        decision=decision.decision,
    )
    return CallbackAccepted()
