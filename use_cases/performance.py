"""The public performance figures (as performance.gov publishes agencies' CX figures): per life
event and fiscal quarter, how many journeys ended, the median time to their outcome, and the
share of people who said they were satisfied and that it increased their trust. Aggregates
only; a quarter with fewer than ``SMALL_GROUP`` journeys or survey responses shows those
figures as suppressed."""

import statistics
from collections import defaultdict
from collections.abc import Iterable
from threading import Lock
from typing import Any

from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select

from core.catalog import get_catalog
from core.models import LocalizedText
from core.tables import FeedbackResponse, JourneyOutcome
from use_cases.outcome_reports import by_quarter
from use_cases.reports import SMALL_GROUP, fiscal_quarter, score


class QuarterFigures(BaseModel):
    fiscal_year: int = Field(description="The US federal fiscal year (from 1 October)")
    quarter: int = Field(ge=1, le=4)
    journeys: int | None = Field(description=f"Journeys that ended; null under {SMALL_GROUP}")
    median_days_to_outcome: float | None = Field(
        description="From telling us to the last agency's outcome, in days (1 place)"
    )
    responses: int | None = Field(description=f"Survey responses; null under {SMALL_GROUP}")
    satisfied_share: float | None = Field(
        description="The share who agreed they were satisfied (4–5 of 5), 0–1"
    )
    trust_share: float | None = Field(
        description="The share who agreed the service increased their trust (4–5 of 5), 0–1"
    )


class LifeEventPerformance(BaseModel):
    life_event: str
    title: LocalizedText | None = Field(description="The life event's name, when it has one")
    quarters: list[QuarterFigures]


def performance(
    ended: Iterable[JourneyOutcome], responses: Iterable[FeedbackResponse]
) -> list[LifeEventPerformance]:
    """Every life event and quarter either the journeys or the survey know, newest first."""
    journeys = by_quarter(ended)
    surveyed: dict[tuple[str, int, int], list[FeedbackResponse]] = defaultdict(list)
    for row in responses:
        surveyed[(row.life_event, *fiscal_quarter(row.submitted_on))].append(row)
    by_event: dict[str, list[QuarterFigures]] = defaultdict(list)
    for key in sorted(set(journeys) | set(surveyed), key=lambda k: (k[0], -k[1], -k[2])):
        life_event, fiscal_year, quarter = key
        members, answers = journeys.get(key, []), surveyed.get(key, [])
        shown, rated = len(members) >= SMALL_GROUP, len(answers) >= SMALL_GROUP
        median = statistics.median(m.seconds_to_outcome for m in members) if shown else None
        by_event[life_event].append(
            QuarterFigures(
                fiscal_year=fiscal_year,
                quarter=quarter,
                journeys=len(members) if shown else None,
                median_days_to_outcome=round(median / 86400, 1) if median is not None else None,
                responses=len(answers) if rated else None,
                satisfied_share=score([a.satisfaction for a in answers]).agree_share
                if rated
                else None,
                trust_share=score([a.trust for a in answers if a.trust is not None]).agree_share
                if rated
                else None,
            )
        )
    catalog = get_catalog()
    return [
        LifeEventPerformance(
            life_event=life_event,
            title=definition.title if (definition := catalog.get(life_event)) else None,
            quarters=quarters,
        )
        for life_event, quarters in sorted(by_event.items())
    ]


def read(session: Session) -> list[LifeEventPerformance]:
    return performance(session.exec(select(JourneyOutcome)), session.exec(select(FeedbackResponse)))


def version(session: Session) -> tuple[int, ...]:
    """Changes whenever an outcome or a response is added or removed."""
    found: list[int] = []
    for table in (JourneyOutcome, FeedbackResponse):
        count, last = session.exec(select(func.count(), func.max(col(table.id)))).one()
        found += [count, last or 0]
    return tuple(found)


_computing = Lock()


def _read(cache: Any, session: Session) -> list[LifeEventPerformance]:
    """Anyone may ask, and the figures read every outcome and response: they are kept per
    process and computed again only when rows were added or removed (a count and a maximum
    per table tell)."""
    with _computing:
        current = version(session)
        cached: tuple[tuple[int, ...], list[LifeEventPerformance]] | None = getattr(
            cache, "performance", None
        )
        if cached is not None and cached[0] == current:
            return cached[1]
        figures = read(session)
        cache.performance = (current, figures)
        return figures


async def public_figures(cache: Any, session: Session) -> list[LifeEventPerformance]:
    """The figures, kept on ``cache`` (the app's state) until rows change."""
    return await run_in_threadpool(_read, cache, session)
