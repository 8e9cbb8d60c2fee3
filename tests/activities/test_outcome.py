"""A journey's outcome is recorded once, however often the activity runs (a retry, two workers
racing), on SQLite and on PostgreSQL; with days, not moments."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.outcome import record_journey_outcome
from core.db import get_engine
from core.models import JourneyOutcomeInput, TimeTax
from core.tables import JourneyOutcome
from core.time_tax import ASSUMPTION

OUTCOME = JourneyOutcomeInput(
    journey_id="j-outcome-1",
    life_event="change-of-address",
    state="completed_with_issues",
    started_at=datetime(2026, 11, 2, 23, 30, tzinfo=UTC),
    ended_at=datetime(2026, 11, 4, 0, 15, tzinfo=UTC),
    language="fr",
    channel="web",
    region="QC",
    time_tax=TimeTax(
        facts_told=14,
        facts_received=21,
        services_reached=5,
        agencies_reached=5,
        contacts_avoided=6,
        documents_not_asked=3,
        minutes_saved=140,
        services_without_burden=1,
        seconds_to_end=89100,
        assumption=ASSUMPTION,
    ),
)


def test_an_outcome_is_recorded_once(app_db: str) -> None:
    env = ActivityEnvironment()
    env.run(record_journey_outcome, OUTCOME)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: env.run(record_journey_outcome, OUTCOME), range(4)))
    with Session(get_engine()) as session:
        [row] = session.exec(select(JourneyOutcome)).all()
    assert (row.life_event, row.state, row.language, row.channel, row.region) == (
        "change-of-address",
        "completed_with_issues",
        "fr",
        "web",
        "QC",
    )
    assert (str(row.started_on), str(row.ended_on), row.seconds_to_outcome) == (
        "2026-11-02",
        "2026-11-04",
        24 * 3600 + 45 * 60,
    )
    assert (row.contacts_avoided, row.minutes_saved, row.documents_not_asked) == (6, 140, 3)
    assert row.journey_ref != OUTCOME.journey_id and OUTCOME.journey_id not in row.journey_ref
