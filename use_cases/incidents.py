"""The incident queue: agency steps that failed, were escalated, or missed their SLA, grouped
by agency and error, oldest first.

Visibility finds the journeys that have any (escalated, SLA breached, or ended with issues);
each one's status (its memo or result: no worker is woken) says which steps, and why. A step
that failed while its journey still runs shows once the journey ends, unless it was escalated
or missed its SLA.
"""

import asyncio
from datetime import datetime

from pydantic import BaseModel

from core import search_attributes
from core.models import JourneyStatus
from use_cases.errors import JourneyNotFound, StatusUnavailable
from use_cases.gateway import TemporalGateway
from workflows.agency_service import ESCALATED_REASON

# Journeys read for one queue: the newest ones when there are more (the page says so).
MAX_JOURNEYS = 300
PARALLEL_READS = 10
INCIDENT_QUERY = (
    'WorkflowType = "LifeEventJourney" AND ('
    f"{search_attributes.JOURNEY_ESCALATED.name} = true OR "
    f"{search_attributes.JOURNEY_SLA_BREACHED.name} = true OR "
    f'{search_attributes.JOURNEY_STATE.name} = "completed_with_issues")'
)


class Incident(BaseModel):
    journey_id: str
    life_event: str
    step_id: str
    agency: str
    error: (
        str  # the step's outcome code ("agency_timeout", "submission_failed", ...) or "escalated"
    )
    reason: str | None
    since: datetime


class IncidentGroup(BaseModel):
    agency: str
    error: str
    incidents: list[Incident]  # oldest first

    @property
    def oldest(self) -> datetime:
        return self.incidents[0].since


class IncidentQueue(BaseModel):
    groups: list[IncidentGroup]  # the group with the oldest incident first
    query: str
    journeys_read: int
    truncated: bool  # more journeys matched than were read


def incidents_of(status: JourneyStatus) -> list[Incident]:
    """The journey's agency steps that need an operator: failed, or escalated and waiting."""
    found = []
    for step in status.steps:
        if step.kind != "agency_service" or step.agency is None:
            continue
        escalated = step.state == "waiting_for_agency" and any(
            reason.endswith(ESCALATED_REASON) for reason in step.reasons
        )
        if step.state != "failed" and not escalated:
            continue
        found.append(
            Incident(
                journey_id=status.journey_id,
                life_event=status.life_event,
                step_id=step.id,
                agency=step.agency,
                error="escalated" if escalated else (step.outcome or "error"),
                reason=step.reasons[0] if step.reasons else None,
                since=step.updated_at,
            )
        )
    return found


async def incident_queue(gateway: TemporalGateway) -> IncidentQueue:
    summaries, following = await gateway.search_journeys(INCIDENT_QUERY, MAX_JOURNEYS)
    limit = asyncio.Semaphore(PARALLEL_READS)

    async def read(journey_id: str) -> JourneyStatus | None:
        async with limit:
            try:
                return await gateway.journey_status(journey_id)
            except (JourneyNotFound, StatusUnavailable):
                return None  # gone (retention) or unreadable now: not an incident we can show

    statuses = await asyncio.gather(*(read(s.journey_id) for s in summaries))
    grouped: dict[tuple[str, str], list[Incident]] = {}
    for status in statuses:
        for incident in incidents_of(status) if status else []:
            grouped.setdefault((incident.agency, incident.error), []).append(incident)
    groups = [
        IncidentGroup(agency=agency, error=error, incidents=sorted(found, key=lambda i: i.since))
        for (agency, error), found in grouped.items()
    ]
    groups.sort(key=lambda g: (g.oldest, g.agency, g.error))
    return IncidentQueue(
        groups=groups,
        query=INCIDENT_QUERY,
        journeys_read=len(summaries),
        truncated=following is not None and len(summaries) == MAX_JOURNEYS,
    )
