"""Operators' reports on the post-transaction survey: aggregates only, never personal data."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from api.deps import OperatorDep
from use_cases import equity, outcome_reports, reports
from use_cases.deps import SessionDep
from use_cases.equity import EquityDimension, EquityGroup
from use_cases.errors import Unprocessable, value_error
from use_cases.outcome_reports import TimeTaxReport
from use_cases.reports import CxGroup

router = APIRouter()

LifeEventQuery = Annotated[
    str | None, Query(pattern=r"^[a-z0-9][a-z0-9.-]{0,99}$", description="One life event")
]
# Surveys began long after 2000; the bounds only keep nonsense out.
FromQuery = Annotated[
    date | None,
    Query(alias="from", ge=date(2000, 1, 1), le=date(2099, 12, 31), description="First day"),
]
ToQuery = Annotated[
    date | None, Query(ge=date(2000, 1, 1), le=date(2099, 12, 31), description="Last day")
]
_CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The groups (JSON), or with format=csv one row per group in the "
        "columns of the US Touchpoints A-11 export",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def _check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise Unprocessable([value_error(["query", "from"], "'from' is after 'to'")])


@router.get(
    "/v1/reports/cx", tags=["operators"], response_model=list[CxGroup], responses=_CSV_ANSWER
)
def get_cx_report(
    _: OperatorDep,
    session: SessionDep,
    life_event: LifeEventQuery = None,
    service: Annotated[
        str | None, Query(pattern=r"^[a-z0-9][a-z0-9.-]{2,99}$", description="One service")
    ] = None,
    start: FromQuery = None,
    to: ToQuery = None,
    format: Literal["json", "csv"] = "json",
) -> list[CxGroup] | Response:
    """Operators only: the US OMB A-11 Section 280 item scores (satisfaction, trust,
    effectiveness, ease, efficiency, transparency, employee helpfulness) per life event,
    service, fiscal quarter and channel, from the day each response was given: how many gave
    each score 1–5, the share that agreed (4–5) and the mean. A response counts for every
    service its journey used."""
    _check_period(start, to)
    groups = reports.cx_report(reports.responses(session, life_event, start, to), service)
    if format == "csv":
        return Response(
            reports.cx_csv(groups),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="cx-report.csv"'},
        )
    return groups


@router.get("/v1/reports/equity", tags=["operators"], response_model=list[EquityGroup])
def get_equity_report(
    _: OperatorDep,
    session: SessionDep,
    dimension: EquityDimension,
    life_event: LifeEventQuery = None,
    start: FromQuery = None,
    to: ToQuery = None,
) -> list[EquityGroup]:
    """Operators only: per group of people (their language, the channel they used, or their
    province when the intake names one), how their journeys ended (completion rate, median time
    to outcome, time tax) and their satisfaction and trust scores. Each part of a group with
    fewer than 10 journeys or responses is suppressed, with no figures."""
    _check_period(start, to)
    return equity.equity_report(
        reports.responses(session, life_event, start, to),
        outcome_reports.outcomes(session, life_event, start, to),
        dimension,
    )


@router.get("/v1/reports/time-tax", tags=["operators"], response_model=TimeTaxReport)
def get_time_tax_report(
    _: OperatorDep,
    session: SessionDep,
    life_event: LifeEventQuery = None,
    start: FromQuery = None,
    to: ToQuery = None,
) -> TimeTaxReport:
    """Operators only: per life event and fiscal quarter of the journeys' end, how many ended
    and how, the median time to outcome, and the time tax spared (contacts avoided, documents
    not asked for, answers agencies received, estimated minutes saved, with the estimate's
    assumption). A group of fewer than 10 journeys is listed as suppressed, with no figures."""
    _check_period(start, to)
    return outcome_reports.time_tax_report(outcome_reports.outcomes(session, life_event, start, to))
