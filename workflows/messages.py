"""What the workflows tell the person: the notifications they send, addressed and keyed.

Each message's idempotency key comes from ``lifeevents.ids``, so a retried or replayed send
never reaches the person twice.
"""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from lifeevents.ids import consent_message_key, offer_message_key
    from lifeevents.models import (
        AgencyDecision,
        AgencyServiceInput,
        JourneyPlan,
        LocalizedText,
        MessageKind,
        NotificationInput,
        ServicePlan,
    )


def offer(plan: JourneyPlan) -> NotificationInput:
    """A proactive journey offered to the person the registry named."""
    proactive = plan.proactive
    assert proactive is not None
    return NotificationInput(
        journey_id=plan.journey_id,
        idempotency_key=offer_message_key(plan.journey_id),
        to_email=plan.intake["contact"]["email"],
        language=plan.language,
        service_title=proactive.life_event_title,
        agency_name=proactive.event_source,
        outcome="offer",
        due_at=proactive.due_at,
    )


def consent_needed(
    plan: JourneyPlan, service: ServicePlan, purpose: LocalizedText, due_at: datetime | None
) -> NotificationInput:
    """The journey asks the person's consent before a service receives their data."""
    return NotificationInput(
        journey_id=plan.journey_id,
        idempotency_key=consent_message_key(plan.journey_id, service.service_id),
        to_email=plan.intake["contact"]["email"],
        language=plan.language,
        service_title=service.title,
        agency_name=service.agency_name,
        outcome="consent_needed",
        purpose=purpose,
        due_at=due_at,
    )


def about_step(
    request: AgencyServiceInput,
    outcome: MessageKind,
    key: str,
    *,
    reasons: list[str] | None = None,
    decision: AgencyDecision | None = None,
    requested: list[str] | None = None,
    due_at: datetime | None = None,
) -> NotificationInput:
    """A step tells the person how it ended, or what it needs from them."""
    return NotificationInput(
        journey_id=request.journey_id,
        idempotency_key=key,
        to_email=request.intake["contact"]["email"],
        language=request.language,
        service_title=request.service.title,
        agency_name=request.service.agency_name,
        outcome=outcome,
        reference=decision.reference if decision else None,
        agency_message=decision.message if decision else None,
        reasons=reasons or [],
        payment=request.service.payment,
        requested=requested or [],
        due_at=due_at,
    )
