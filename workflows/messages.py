"""What the workflows tell the person: the notifications they send, addressed and keyed.

Each message's idempotency key comes from ``core.ids``, so a retried or replayed send
never reaches the person twice.
"""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.ids import consent_message_key, offer_message_key, summary_message_key
    from core.models import (
        AgencyDecision,
        AgencyServiceInput,
        JourneyPlan,
        JourneyStatus,
        Language,
        LocalizedText,
        MessageKind,
        NotificationInput,
        ServicePlan,
        SummaryLine,
    )

# Who the summary is from: the journey as a whole, not one agency.
JOURNEY_TITLE = LocalizedText(en="Your journey", fr="Votre dossier")
JOURNEY_SENDER = "Tell Us Once"


# Why a step failed, as its e-mail tells the person, in their language (the step's status keeps
# its English reason: changing it would change what recorded journeys replay to).
_INFORMATION_NOT_GIVEN = LocalizedText(
    en="The information asked for was not given before the deadline.",
    fr="Les renseignements demandés n'ont pas été fournis avant l'échéance.",
)
_AGENCY_TIMEOUT = LocalizedText(
    en="{agency} did not decide within the service's time limit.",
    fr="{agency} n'a pas rendu sa décision dans le délai prévu pour ce service.",
)


_OPERATOR_SKIPPED = LocalizedText(
    en="Our staff ended this step without the agency's decision.",
    fr="Notre personnel a clos cette étape sans la décision de l'organisme.",
)


def operator_skipped(language: Language) -> str:
    return _OPERATOR_SKIPPED.in_(language)


def information_not_given(language: Language) -> str:
    return _INFORMATION_NOT_GIVEN.in_(language)


def agency_timeout(agency_name: str, language: Language) -> str:
    return _AGENCY_TIMEOUT.in_(language).format(agency=agency_name)


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
        agency_names=service.agency_names,
        outcome="consent_needed",
        purpose=purpose,
        due_at=due_at,
    )


def summary(plan: JourneyPlan, status: JourneyStatus) -> NotificationInput:
    """The journey has ended: one message with every service's outcome."""
    services = {service.service_id: service for service in plan.services}
    steps = [
        SummaryLine(
            title=service.title,
            agency_name=service.agency_name,
            agency_names=service.agency_names,
            state=step.state,
            outcome=step.outcome,
            reference=step.reference,
        )
        for step in status.steps
        if (service := services.get(step.id)) is not None and step.outcome != "not_chosen"
    ]
    return NotificationInput(
        journey_id=plan.journey_id,
        idempotency_key=summary_message_key(plan.journey_id),
        to_email=plan.intake["contact"]["email"],
        language=plan.language,
        service_title=JOURNEY_TITLE,
        agency_name=JOURNEY_SENDER,
        outcome="summary",
        journey_state=status.state,
        steps=steps,
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
        agency_names=request.service.agency_names,
        outcome=outcome,
        reference=decision.reference if decision else None,
        agency_message=decision.message if decision else None,
        reasons=reasons or [],
        payment=request.service.payment,
        requested=requested or [],
        due_at=due_at,
    )
