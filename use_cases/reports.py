"""Operators' reports on the post-transaction survey (``FeedbackResponse``): the A-11 Section 280
item scores per life event, service, quarter and channel, as JSON or as a CSV in the columns of
the US Touchpoints A-11 export. Aggregates only: nothing per person."""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from core.tables import FeedbackResponse
from use_cases.feedback import ITEMS

SCALE = (1, 2, 3, 4, 5)
# Below this many responses a group's figures could point at a few people: reported as
# suppressed, without figures.
SMALL_GROUP = 10


class ItemScore(BaseModel):
    counts: dict[str, int] = Field(description="How many answered each score, '1' to '5'")
    answered: int = Field(description="How many responses rated this item")
    agree_share: float | None = Field(
        description="The share that answered 4 or 5 (agree), 0–1 rounded to 4 places"
    )
    mean: float | None = Field(description="The mean score (1–5), rounded to 2 places")


class CxGroup(BaseModel):
    life_event: str
    service: str | None = Field(description="The agency service; null: a journey without one")
    fiscal_year: int = Field(description="The US federal fiscal year (from 1 October)")
    quarter: int = Field(ge=1, le=4, description="The fiscal quarter (Q1: October–December)")
    channel: str
    responses: int
    items: dict[str, ItemScore]


def score(values: Sequence[int]) -> ItemScore:
    """One item's distribution: counts per score, the share of 4–5 and the mean."""
    counts = {str(point): 0 for point in SCALE}
    for value in values:
        counts[str(value)] += 1
    if not values:
        return ItemScore(counts=counts, answered=0, agree_share=None, mean=None)
    agree = counts["4"] + counts["5"]
    return ItemScore(
        counts=counts,
        answered=len(values),
        agree_share=round(agree / len(values), 4),
        mean=round(sum(values) / len(values), 2),
    )


def scores(rows: Sequence[FeedbackResponse], items: Sequence[str]) -> dict[str, ItemScore]:
    return {
        item: score([v for v in (getattr(row, item) for row in rows) if v is not None])
        for item in items
    }


def fiscal_quarter(day: date) -> tuple[int, int]:
    """The US federal fiscal year (it starts on 1 October) and quarter A-11 reports use."""
    if day.month >= 10:
        return day.year + 1, 1
    return day.year, (day.month - 1) // 3 + 2


def responses(
    session: Session, life_event: str | None, start: date | None, end: date | None
) -> Iterable[FeedbackResponse]:
    """The stored responses a report covers (``start`` and ``end`` included)."""
    statement = select(FeedbackResponse)
    if life_event is not None:
        statement = statement.where(FeedbackResponse.life_event == life_event)
    if start is not None:
        statement = statement.where(col(FeedbackResponse.submitted_on) >= start)
    if end is not None:
        statement = statement.where(col(FeedbackResponse.submitted_on) <= end)
    return session.exec(statement)


def cx_report(rows: Iterable[FeedbackResponse], service: str | None = None) -> list[CxGroup]:
    """Item scores per life event, service, fiscal quarter and channel. A response counts once
    for each service its journey used (an A-11 score is a service's); ``service`` keeps one."""
    grouped: dict[tuple[str, str | None, int, int, str], list[FeedbackResponse]]
    grouped = defaultdict(list)
    for row in rows:
        fiscal_year, quarter = fiscal_quarter(row.submitted_on)
        used: list[str | None] = list(row.services) or [None]
        for each in used:
            if service is None or each == service:
                grouped[(row.life_event, each, fiscal_year, quarter, row.channel)].append(row)
    return [
        CxGroup(
            life_event=life_event,
            service=each,
            fiscal_year=fiscal_year,
            quarter=quarter,
            channel=channel,
            responses=len(members),
            items=scores(members, ITEMS),
        )
        for (life_event, each, fiscal_year, quarter, channel), members in sorted(
            grouped.items(), key=lambda entry: (entry[0][0], entry[0][1] or "", *entry[0][2:])
        )
    ]


def _question_columns() -> list[str]:
    # Touchpoints numbers the A-11 items q1 (satisfaction) to q7 (employee helpfulness), in
    # ITEMS' order; agree_share is ours, after its own columns.
    columns = []
    for number in range(1, len(ITEMS) + 1):
        columns += [f"q{number}_{point}" for point in SCALE]
        columns += [f"q{number}_total", f"q{number}_point_scale", f"q{number}_agree_share"]
    return columns


CSV_COLUMNS = [
    "fiscal_year",
    "quarter",
    "life_event",
    "service_provided",
    "channel",
    "volume_of_respondents",
    *_question_columns(),
]


def cx_csv(groups: Sequence[CxGroup]) -> str:
    """The groups as CSV, one row each, in the columns of the Touchpoints A-11 export."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for group in groups:
        cells: list[object] = [
            group.fiscal_year,
            group.quarter,
            group.life_event,
            group.service or "",
            group.channel,
            group.responses,
        ]
        for item in ITEMS:
            found = group.items[item]
            cells += [found.counts[str(point)] for point in SCALE]
            cells += [found.answered, _blank(found.mean), _blank(found.agree_share)]
        writer.writerow(cells)
    return out.getvalue()


def _blank(value: float | None) -> object:
    return "" if value is None else value
