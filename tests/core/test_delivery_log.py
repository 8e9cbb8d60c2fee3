"""A service's failure and SLA-breach rates, counted from its delivery log."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from core import delivery_log
from core.tables import DeliveryAttempt
from tests.support.inprocess_api import scratch_database

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with scratch_database(tmp_path) as engine:
        yield engine


def row(
    journey: str, outcome: str, hours_ago: float, *, kind: str = "submission", round_: int = 1
) -> DeliveryAttempt:
    return DeliveryAttempt(
        at=NOW - timedelta(hours=hours_ago),
        journey_id=journey,
        agency_id="health",
        service_id="health.card",
        round=round_,
        kind=kind,
        attempt=1 if kind == "submission" else None,
        outcome=outcome,
    )


def test_failures_count_submissions_that_never_got_through_and_breaches_late_decisions(
    engine: Engine,
) -> None:
    rows = [
        row("a", "unavailable", 50),
        row("a", "decided", 49),  # retried, then through: not a failure
        row("b", "refused", 40),
        row("b", "rejected", 39),  # every attempt failed
        row("c", "accepted", 30),
        row("c", "decided", 5, kind="callback"),  # 25 hours later: past a day's SLA
        row("d", "accepted", 30),
        row("d", "decided", 29, kind="callback"),  # in time
        row("e", "accepted", 48),  # undecided, and past the SLA by now
        row("f", "accepted", 2),  # undecided, still within it
        row("a", "accepted", 80, round_=2),  # before the window
    ]
    with Session(engine) as session:
        for entry in rows:
            delivery_log.record(session, entry)
        found = delivery_log.rates(
            session,
            "health",
            "health.card",
            sla=timedelta(days=1),
            since=NOW - timedelta(days=3),
            now=NOW,
        )
    assert (found.submissions, found.failed, found.awaited, found.sla_breaches) == (6, 1, 4, 2)
    assert (found.failure_rate, found.sla_breach_rate) == (1 / 6, 0.5)


def test_nothing_to_count_gives_no_rate(engine: Engine) -> None:
    with Session(engine) as session:
        found = delivery_log.rates(
            session, "health", "none", sla=timedelta(days=1), since=NOW, now=NOW
        )
    assert (found.failure_rate, found.sla_breach_rate) == (None, None)
