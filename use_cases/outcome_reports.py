"""Reports on how journeys ended (``JourneyOutcome``): completion, time to outcome and the time
tax spared, per life event and fiscal quarter, or per group of people. Aggregates only, and a
group of fewer than ``SMALL_GROUP`` journeys is reported as suppressed, without figures."""

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from core.tables import JourneyOutcome
from core.time_tax import ASSUMPTION
from use_cases.reports import SMALL_GROUP, fiscal_quarter

# The ends where the person got through (some services may have said no): completions.
COMPLETED = frozenset({"completed", "completed_with_issues"})
NO_REGION = "not_given"
OutcomeDimension = Literal["language", "channel", "region"]


class TimeTaxTotals(BaseModel):
    contacts_avoided: int = Field(description="Contacts avoided, all journeys together")
    mean_contacts_avoided: float = Field(description="Per journey, rounded to 2 places")
    documents_not_asked: int
    facts_received: int = Field(description="Answers agencies received (fields × agencies)")
    mean_facts_told: float = Field(description="Answers a person gave, per journey")
    mean_agencies_reached: float
    minutes_saved: int = Field(
        description="Estimated minutes saved, over the journeys whose services give a figure"
    )
    journeys_with_minutes: int = Field(description="Journeys whose minutes could be estimated")
    mean_minutes_saved: float | None = Field(description="Per journey with an estimate")


class OutcomeFigures(BaseModel):
    journeys: int = Field(description="Journeys that ended")
    states: dict[str, int] = Field(description="How many ended in each state")
    completion_rate: float = Field(
        description="The share that ended completed or completed_with_issues, 0–1 (4 places)"
    )
    median_seconds_to_outcome: int
    time_tax: TimeTaxTotals


class TimeTaxGroup(BaseModel):
    life_event: str
    fiscal_year: int = Field(description="The US federal fiscal year (from 1 October)")
    quarter: int = Field(ge=1, le=4, description="The fiscal quarter of the journeys' end")
    suppressed: bool = Field(description=f"Fewer than {SMALL_GROUP} journeys: no figures")
    outcomes: OutcomeFigures | None


class TimeTaxReport(BaseModel):
    assumption: str = Field(description="How minutes saved are estimated")
    groups: list[TimeTaxGroup]


def _mean(values: Sequence[int]) -> float:
    return round(sum(values) / len(values), 2)


def figures(rows: Sequence[JourneyOutcome]) -> OutcomeFigures:
    """The figures of a group of journeys (not empty)."""
    states: dict[str, int] = defaultdict(int)
    for row in rows:
        states[row.state] += 1
    minutes = [row.minutes_saved for row in rows if row.minutes_saved is not None]
    return OutcomeFigures(
        journeys=len(rows),
        states=dict(sorted(states.items())),
        completion_rate=round(sum(states[s] for s in COMPLETED) / len(rows), 4),
        median_seconds_to_outcome=int(statistics.median(r.seconds_to_outcome for r in rows)),
        time_tax=TimeTaxTotals(
            contacts_avoided=sum(r.contacts_avoided for r in rows),
            mean_contacts_avoided=_mean([r.contacts_avoided for r in rows]),
            documents_not_asked=sum(r.documents_not_asked for r in rows),
            facts_received=sum(r.facts_received for r in rows),
            mean_facts_told=_mean([r.facts_told for r in rows]),
            mean_agencies_reached=_mean([r.agencies_reached for r in rows]),
            minutes_saved=sum(minutes),
            journeys_with_minutes=len(minutes),
            mean_minutes_saved=_mean(minutes) if minutes else None,
        ),
    )


def suppressed_or_figures(rows: Sequence[JourneyOutcome]) -> OutcomeFigures | None:
    return None if len(rows) < SMALL_GROUP else figures(rows)


def outcomes(
    session: Session, life_event: str | None, start: date | None, end: date | None
) -> Iterable[JourneyOutcome]:
    """The journeys a report covers, by the day they ended (``start`` and ``end`` included)."""
    statement = select(JourneyOutcome)
    if life_event is not None:
        statement = statement.where(JourneyOutcome.life_event == life_event)
    if start is not None:
        statement = statement.where(col(JourneyOutcome.ended_on) >= start)
    if end is not None:
        statement = statement.where(col(JourneyOutcome.ended_on) <= end)
    return session.exec(statement)


def by_quarter(rows: Iterable[JourneyOutcome]) -> dict[tuple[str, int, int], list[JourneyOutcome]]:
    """Journeys per life event and fiscal quarter of their end, in that order."""
    grouped: dict[tuple[str, int, int], list[JourneyOutcome]] = defaultdict(list)
    for row in rows:
        grouped[(row.life_event, *fiscal_quarter(row.ended_on))].append(row)
    return dict(sorted(grouped.items()))


def time_tax_report(rows: Iterable[JourneyOutcome]) -> TimeTaxReport:
    groups = []
    for (life_event, fiscal_year, quarter), members in by_quarter(rows).items():
        found = suppressed_or_figures(members)
        groups.append(
            TimeTaxGroup(
                life_event=life_event,
                fiscal_year=fiscal_year,
                quarter=quarter,
                suppressed=found is None,
                outcomes=found,
            )
        )
    return TimeTaxReport(assumption=ASSUMPTION, groups=groups)


def by_group(
    rows: Iterable[JourneyOutcome], dimension: OutcomeDimension
) -> dict[str, list[JourneyOutcome]]:
    """Journeys per language, channel or region (a journey without one: ``not_given``)."""
    grouped: dict[str, list[JourneyOutcome]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, dimension) or NO_REGION].append(row)
    return grouped
