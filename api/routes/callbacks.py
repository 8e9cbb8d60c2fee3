"""Agencies' later decisions: a signed callback resumes the waiting step at once (a signal)."""

import hashlib

import structlog
from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.deps import agency_signature
from core import audit, delivery_log
from core.credentials import signing_secrets
from core.ids import CallbackTarget, callback_target, is_callback_webhook_id
from core.models import AgencyDecision
from core.redaction import redact_text
from core.tables import CallbackReceipt, DeliveryAttempt
from core.webhooks import SignatureError, verify
from use_cases.deps import GatewayDep, SessionDep, SettingsDep

router = APIRouter(prefix="/v1/agency-callbacks", tags=["integrators"])
log = structlog.get_logger(__name__)


class CallbackAccepted(BaseModel):
    accepted: bool = True
    # True when this webhook-id was received before: acknowledged, and nothing signalled.
    duplicate: bool = False


def _receipt_key(webhook_id: str) -> str:
    return hashlib.sha256(webhook_id.encode()).hexdigest()


def _claim(session: Session, webhook_id: str, target: CallbackTarget) -> bool:
    """Record a genuine delivery's webhook-id; False when it was received already."""
    session.add(
        CallbackReceipt(
            webhook_id_hash=_receipt_key(webhook_id),
            agency_id=target.agency_id,
            step_workflow=target.step_workflow,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def _release(session: Session, webhook_id: str) -> None:
    """The decision was not delivered: a retry with the same webhook-id must count."""
    receipt = session.get(CallbackReceipt, _receipt_key(webhook_id))
    if receipt is not None:
        session.delete(receipt)
        session.commit()


@router.post(
    "/{callback_id}",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CallbackAccepted,
    # The route checks the signature itself; this declares it in the OpenAPI description.
    dependencies=[Depends(agency_signature)],
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
    webhook secret (Standard Webhooks). The signed ``webhook-id`` must be bound to this callback:
    the callback id itself, or the callback id, ``:`` and a suffix of your own (e.g.
    ``{callback_id}:decision``), so that a signed decision holds for its own callback only.
    A second delivery with the same ``webhook-id`` is acknowledged (``"duplicate": true``) and
    changes nothing."""
    target = callback_target(settings.app_secret, callback_id)
    if target is None:
        log.warning("callback refused", reason="unknown or forged callback id")
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Unknown callback")
    journey_id, service_id, agency_id = target.journey_id, target.service_id, target.agency_id
    workflow_id, round_ = target.step_workflow, target.round
    secrets = await run_in_threadpool(lambda: signing_secrets(session=session, agency_id=agency_id))
    body = await request.body()
    try:
        webhook_id = verify(secrets, request.headers, body)
        if not is_callback_webhook_id(callback_id, webhook_id):
            raise SignatureError(
                "webhook-id must be the callback id, or the callback id followed by ':' "
                "and a suffix (e.g. '{callback_id}:decision')"
            )
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

    if not await run_in_threadpool(lambda: _claim(session, webhook_id, target)):
        log.info("duplicate callback acknowledged", journey_id=journey_id, agency=agency_id)
        return CallbackAccepted(duplicate=True)
    try:
        # E-mails, ids and dates go before the message reaches history; the step then redacts
        # the person's own values, which only it knows (what it sent).
        message = redact_text(decision.message) if decision.message else None
        await gateway.signal_decision(
            workflow_id, decision.model_copy(update={"round": round_, "message": message})
        )
    except BaseException:
        await run_in_threadpool(lambda: _release(session, webhook_id))
        raise
    received = DeliveryAttempt(
        journey_id=journey_id,
        agency_id=agency_id,
        service_id=service_id,
        round=round_,
        kind="callback",
        outcome="decided",
        decision=decision.decision,
    )
    await run_in_threadpool(delivery_log.record, session, received)
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
