"""The time-tax meter: what telling once spared a person, from the journey's plan and where it
stands. Pure arithmetic, no clock and no I/O: the workflow computes it when a journey ends, and
the pages and the API whenever they show a journey.

The estimate of minutes follows the US OMB burden method (burden = responses × time per
response): each service reached would have cost the person ``contacts`` contacts of
``minutes_per_contact`` minutes (the agency's own figure, in its registration); the one contact
the person did make, telling us, is counted as one of them and taken off.
"""

from datetime import datetime
from typing import Any

from core.models import (
    DecisionTime,
    JourneyPlan,
    JourneyStatus,
    ServicePlan,
    StepStatus,
    TimeTax,
)

# Outcomes that mean the agency had the person's data: it decided, asked, or waited in vain.
_RECEIVED_OUTCOMES = frozenset(
    {"approved", "rejected", "needs_information", "information_not_given", "agency_timeout"}
)
_DECIDED_OUTCOMES = frozenset({"approved", "rejected"})
# Intake keys that hold choices, not facts about the person.
_CHOICES = frozenset({"language", "consents"})
ASSUMPTION = (
    "Estimated with the US OMB burden method: each service reached would otherwise have taken "
    "the contacts and minutes per contact its agency states; the one contact you made, telling "
    "us, is taken off as the costliest of them. Services without a figure count one contact and no "
    "minutes."
)


def facts_told(intake: Any) -> int:
    """How many answers the person gave (each told once, whichever agencies received it)."""
    if isinstance(intake, dict):
        return sum(facts_told(value) for key, value in intake.items() if key not in _CHOICES)
    if isinstance(intake, list):
        return 0  # the services and consents chosen: choices, not facts about the person
    return 0 if intake is None else 1


def received(step: StepStatus, status: JourneyStatus) -> bool:
    """Whether this step's agency received the person's data."""
    if step.kind != "agency_service":
        return False
    asked = any(r.kind == "information" and r.step_id == step.id for r in status.requests)
    return (
        step.state == "waiting_for_agency"
        or step.outcome in _RECEIVED_OUTCOMES
        or "withdrawn" in step.compensations
        or asked
    )


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def meter(plan: JourneyPlan, status: JourneyStatus) -> TimeTax:
    """The journey's time tax as it stands (a running journey's figures grow as agencies are
    reached)."""
    services = {service.service_id: service for service in plan.services}
    reached: list[tuple[StepStatus, ServicePlan]] = [
        (step, services[step.id])
        for step in status.steps
        if step.id in services and received(step, status)
    ]
    contacts = sum(s.burden.contacts if s.burden else 1 for _, s in reached)
    costed = [s.burden for _, s in reached if s.burden is not None]
    minutes: int | None = None
    if costed:
        # The contact the person made is taken as the costliest one they would have made
        # anyway: the estimate errs low.
        made = max(b.minutes_per_contact for b in costed)
        minutes = sum(b.contacts * b.minutes_per_contact for b in costed) - made
    return TimeTax(
        facts_told=facts_told(plan.intake),
        facts_received=sum(len(service.fields) for _, service in reached),
        services_reached=len(reached),
        agencies_reached=len({service.agency_id for _, service in reached}),
        contacts_avoided=max(0, contacts - 1),
        documents_not_asked=sum(b.documents for b in costed),
        minutes_saved=minutes,
        services_without_burden=len(reached) - len(costed),
        decisions=[
            DecisionTime(
                service_id=step.id,
                agency=service.agency_id,
                outcome=step.outcome,
                seconds=_seconds(status.started_at, step.updated_at),
            )
            for step, service in reached
            if step.outcome is not None and step.outcome in _DECIDED_OUTCOMES
        ],
        seconds_to_end=(
            _seconds(status.started_at, status.completed_at) if status.completed_at else None
        ),
        assumption=ASSUMPTION,
    )


def region(intake: dict[str, Any]) -> str | None:
    """A coarse region for equity reports: the first province the intake names (a new address,
    a damaged property), never anything finer."""
    for key, value in intake.items():
        if key == "province" and isinstance(value, str):
            return value[:10]
        if isinstance(value, dict):
            found = region(value)
            if found is not None:
                return found
    return None
