"""Operators act on one journey, with a reason: resolve an escalation, send a step's request to
its agency again, e-mail the person again what a request asks, give them more time.

Each is a workflow update: the journey's validator refuses what does not apply (409 with why),
nothing is written then; an accepted action is recorded in the audit trail under the operator's
name with their reason. Operators only (401 for anyone else, a person's token included).
"""

from typing import Any

from fastapi import APIRouter

from api.deps import OperatorDep
from api.openapi import problem_responses
from core.models import (
    CitizenRequest,
    DeadlineExtension,
    EscalationResolution,
    JourneyStatus,
    MessageResend,
    Resubmission,
)
from use_cases import operator_actions
from use_cases.deps import GatewayDep, SessionDep

router = APIRouter(prefix="/v1/journeys", tags=["operators"])
_ACTION = problem_responses(
    {
        404: "No such journey",
        409: "The journey refused the action: it is over, or the step or request is not in a "
        "state the action applies to (the detail says why)",
    }
)


@router.post("/{journey_id}/resolve-escalation", response_model=JourneyStatus, responses=_ACTION)
async def resolve_escalation(
    journey_id: str,
    resolution: EscalationResolution,
    operator: OperatorDep,
    gateway: GatewayDep,
    session: SessionDep,
) -> Any:
    """Resolve a step escalated because its agency missed its SLA: ``resubmit`` (a new
    submission round), ``record_decision`` (``approved`` or ``rejected``, with the agency's
    ``reference``: the step goes on as if the agency had answered), ``skip`` (the step ends
    skipped; the person is told), or ``cancel_journey`` (the whole journey, with compensation)."""
    return await operator_actions.resolve_escalation(
        gateway, session, operator, journey_id, resolution
    )


@router.post("/{journey_id}/resubmit", response_model=JourneyStatus, responses=_ACTION)
async def resubmit_step(
    journey_id: str,
    resubmission: Resubmission,
    operator: OperatorDep,
    gateway: GatewayDep,
    session: SessionDep,
) -> Any:
    """Send a step that waits for its agency to the agency again: a new submission round, with
    its own idempotency key and callback id, and a new SLA."""
    return await operator_actions.resubmit(gateway, session, operator, journey_id, resubmission)


@router.post("/{journey_id}/resend-message", response_model=CitizenRequest, responses=_ACTION)
async def resend_message(
    journey_id: str,
    resend: MessageResend,
    operator: OperatorDep,
    gateway: GatewayDep,
    session: SessionDep,
) -> Any:
    """E-mail the person again what an open request asks of them (consent, information, the
    confirmation of an offer), with a fresh link: each resend is sent once."""
    return await operator_actions.resend_message(gateway, session, operator, journey_id, resend)


@router.post("/{journey_id}/extend-deadline", response_model=CitizenRequest, responses=_ACTION)
async def extend_deadline(
    journey_id: str,
    extension: DeadlineExtension,
    operator: OperatorDep,
    gateway: GatewayDep,
    session: SessionDep,
) -> Any:
    """Give the person ``days`` more (1–90) to answer an open request, counted from its due
    date; the answer is the request with its new ``due_at``."""
    return await operator_actions.extend_deadline(gateway, session, operator, journey_id, extension)
