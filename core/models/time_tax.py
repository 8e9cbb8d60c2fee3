"""The time-tax meter's figures for one journey, and the outcome a journey leaves behind for
reports: numbers, a life event, a language, a channel and a coarse region, never the person."""

from datetime import datetime

from pydantic import Field

from core.models.common import Language, Model
from core.models.status import JourneyState, StepOutcomeCode


class DecisionTime(Model):
    """How long one agency took to decide, counted from the journey's start."""

    service_id: str
    agency: str
    outcome: StepOutcomeCode
    seconds: int = Field(ge=0)


class TimeTax(Model):
    """What telling once spared the person, counted from the plan and where the journey stands."""

    facts_told: int = Field(description="Answers the person gave, once")
    facts_received: int = Field(
        description="Answers the agencies received, added over agencies (fields × agencies)"
    )
    services_reached: int
    agencies_reached: int
    contacts_avoided: int = Field(
        description="Contacts the person would have made to the services reached, less the one "
        "they made (telling us)"
    )
    documents_not_asked: int = Field(
        description="Documents the services reached would otherwise have asked for"
    )
    minutes_saved: int | None = Field(
        description="Estimated: contacts avoided × the agency's minutes per contact; null when "
        "no service reached gives a burden figure"
    )
    services_without_burden: int = Field(
        description="Services reached that give no burden figure: their minutes are not counted"
    )
    decisions: list[DecisionTime] = Field(default_factory=list)
    seconds_to_end: int | None = Field(description="From the start to the journey's end")
    assumption: str


class JourneyOutcomeInput(Model):
    """What a journey records when it ends, for aggregate reports (the record_journey_outcome
    activity): nothing that names or locates the person closer than a province."""

    journey_id: str = Field(description="Kept only as a keyed hash, so a retry writes once")
    life_event: str
    state: JourneyState
    started_at: datetime
    ended_at: datetime
    language: Language
    channel: str = Field(max_length=20)
    region: str | None = Field(default=None, max_length=10)
    time_tax: TimeTax
