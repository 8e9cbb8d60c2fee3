"""Operators' actions on one journey, as the API and the console both apply them: the journey's
validated workflow update, then, once it is accepted, the audit entry under the operator's name
with their reason. A refusal (``UpdateRefused``, ``JourneyNotFound``) writes nothing."""

from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from core import audit
from core.models import (
    CitizenRequest,
    DeadlineExtension,
    EscalationResolution,
    JourneyStatus,
    MessageResend,
    Resubmission,
)
from use_cases.gateway import TemporalGateway


async def _audit(
    session: Session, operator: str, action: str, journey_id: str, detail: dict[str, Any]
) -> None:
    await run_in_threadpool(
        lambda: audit.append(
            session, actor=operator, action=action, journey_id=journey_id, detail=detail
        )
    )


async def resolve_escalation(
    gateway: TemporalGateway,
    session: Session,
    operator: str,
    journey_id: str,
    resolution: EscalationResolution,
) -> JourneyStatus:
    session.close()  # no connection held while Temporal answers
    status = await gateway.resolve_escalation(journey_id, resolution)
    detail = resolution.model_dump(exclude_none=True)
    await _audit(session, operator, "escalation_resolved", journey_id, detail)
    return status


async def resubmit(
    gateway: TemporalGateway,
    session: Session,
    operator: str,
    journey_id: str,
    resubmission: Resubmission,
    delivery_id: int | None = None,
) -> JourneyStatus:
    """A new submission round; ``delivery_id`` when it is a logged delivery sent again."""
    session.close()
    status = await gateway.resubmit(journey_id, resubmission)
    detail: dict[str, Any] = resubmission.model_dump()
    if delivery_id is not None:
        detail["delivery_id"] = delivery_id
    await _audit(session, operator, "step_resubmitted", journey_id, detail)
    return status


async def resend_message(
    gateway: TemporalGateway,
    session: Session,
    operator: str,
    journey_id: str,
    resend: MessageResend,
) -> CitizenRequest:
    session.close()
    request = await gateway.resend_message(journey_id, resend)
    await _audit(session, operator, "message_resent", journey_id, resend.model_dump())
    return request


async def extend_deadline(
    gateway: TemporalGateway,
    session: Session,
    operator: str,
    journey_id: str,
    extension: DeadlineExtension,
) -> CitizenRequest:
    session.close()
    request = await gateway.extend_deadline(journey_id, extension)
    detail = {
        **extension.model_dump(),
        "due_at": request.due_at.isoformat() if request.due_at else None,
    }
    await _audit(session, operator, "deadline_extended", journey_id, detail)
    return request
