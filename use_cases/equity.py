"""The equity report: per group of people (their language, the channel they used, their
province), how journeys ended (completion, time to outcome, time tax) and how the survey rated
them (satisfaction, trust). Each part of a group with fewer than ``SMALL_GROUP`` journeys or
responses is suppressed on its own: named, with no figures."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from core.tables import FeedbackResponse, JourneyOutcome
from use_cases.outcome_reports import OutcomeFigures, by_group, suppressed_or_figures
from use_cases.reports import SMALL_GROUP, ItemScore, scores

EquityDimension = Literal["language", "channel", "region"]
# The items an equity report shows per group: the overall satisfaction and trust items.
EQUITY_ITEMS = ("satisfaction", "trust")
# What the survey records of a person's group (it keeps no region).
SURVEY_DIMENSIONS = frozenset({"language", "channel"})


class EquityGroup(BaseModel):
    group: str
    suppressed: bool = Field(
        description=f"Fewer than {SMALL_GROUP} survey responses (none for a region, which the "
        "survey does not keep): no survey figures"
    )
    responses: int | None
    items: dict[str, ItemScore] | None
    outcomes_suppressed: bool = Field(
        description=f"Fewer than {SMALL_GROUP} journeys ended in this group: no outcome figures"
    )
    outcomes: OutcomeFigures | None = Field(
        description="Completion rate, time to outcome and time tax of the group's journeys"
    )


def equity_report(
    responses: Iterable[FeedbackResponse],
    ended: Iterable[JourneyOutcome],
    dimension: EquityDimension,
) -> list[EquityGroup]:
    """Every group either part knows, in order of its name."""
    surveyed: dict[str, list[FeedbackResponse]] = defaultdict(list)
    if dimension in SURVEY_DIMENSIONS:
        for row in responses:
            surveyed[getattr(row, dimension)].append(row)
    journeys = by_group(ended, dimension)
    groups = []
    for group in sorted(set(surveyed) | set(journeys)):
        answers, members = surveyed.get(group, []), journeys.get(group, [])
        survey_shown = len(answers) >= SMALL_GROUP
        figures = suppressed_or_figures(members)
        groups.append(
            EquityGroup(
                group=group,
                suppressed=not survey_shown,
                responses=len(answers) if survey_shown else None,
                items=scores(answers, EQUITY_ITEMS) if survey_shown else None,
                outcomes_suppressed=figures is None,
                outcomes=figures,
            )
        )
    return groups
