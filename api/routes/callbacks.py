"""Agencies' later decisions: a signed callback resumes the waiting step at once (a signal)."""

import structlog
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ValidationError

from api.deps import GatewayDep, SessionDep, SettingsDep
from lifeevents import audit
from lifeevents.credentials import signing_secrets
from lifeevents.ids import callback_target
from lifeevents.models import AgencyDecision
from lifeevents.webhooks import SignatureError, verify

router = APIRouter(prefix="/v1/agency-callbacks", tags=["integrators"])
log = structlog.get_logger(__name__)


class CallbackAccepted(BaseModel):
    accepted: bool = True


@router.post(
    "/{callback_id}",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CallbackAccepted,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": AgencyDecision.model_json_schema(),
                    "example": {
                        "decision": "approved",
                        "reference": "HC-2026-0042",
                        "message": "The health card will arrive by mail.",
                    },
                }
            },
        }
    },
    responses={
        401: {"description": "Missing, expired or wrong Standard Webhooks signature"},
        404: {"description": "Unknown or forged callback id"},
        409: {"description": "The step no longer waits"},
    },
)
async def agency_callback(
    callback_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    gateway: GatewayDep,
) -> CallbackAccepted:
    """An agency reports its decision on a request it accepted earlier, signed with its
    webhook secret (Standard Webhooks). A second delivery of the same decision changes nothing."""
    target = callback_target(settings.app_secret, callback_id)
    if target is None:
        log.warning("callback refused", reason="unknown or forged callback id")
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Unknown callback")
    journey_id, service_id, agency_id = target.journey_id, target.service_id, target.agency_id
    workflow_id, round_ = target.step_workflow, target.round
    secrets = await run_in_threadpool(lambda: signing_secrets(session=session, agency_id=agency_id))
    body = await request.body()
    try:
        verify(secrets, request.headers, body)
    except SignatureError as error:
        reason = str(error)
        log.warning("callback refused", journey_id=journey_id, agency=agency_id, reason=reason)
        await run_in_threadpool(
            lambda: audit.append(
                session,
                actor="unknown",
                action="callback_refused",
                journey_id=journey_id,
                agency_id=agency_id,
                detail={"reason": reason},
            )
        )
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"Signature refused: {error}") from error
    try:
        decision = AgencyDecision.model_validate_json(body)
    except ValidationError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [
                {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                for e in error.errors(include_url=False, include_input=False)
            ],
        ) from error

    await gateway.signal_decision(workflow_id, decision.model_copy(update={"round": round_}))
    await run_in_threadpool(
        lambda: audit.append(
            session,
            actor=f"agency:{agency_id}",
            action="decision_received",
            journey_id=journey_id,
            agency_id=agency_id,
            detail={"service_id": service_id, "decision": decision.decision},
        )
    )
    log.info(
        "agency decision received",
        journey_id=journey_id,
        agency=agency_id,
        decision=decision.decision,
    )
    return CallbackAccepted()
