"""A journey that ends records its outcome once, in figures only: on the time-skipping server,
with the real activity writing to the package's scratch database."""

from collections.abc import AsyncIterator

import pytest
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from core.db import get_engine
from core.ids import outcome_ref
from core.models import ServiceBurden
from core.settings import get_settings
from core.tables import JourneyOutcome
from tests.workflows.fakes import INTAKE, Recorder, journey_worker, service_plan, start_journey

TASK_QUEUE = "journeys-outcome-test"


@pytest.fixture
async def recorder(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Recorder]:
    recorder = Recorder(decide_at_once=True)
    async with journey_worker(time_skipping_env.client, TASK_QUEUE, recorder):
        yield recorder


def _row(journey_id: str) -> JourneyOutcome:
    with Session(get_engine()) as session:
        ref = outcome_ref(get_settings().app_secret, journey_id)
        return session.exec(select(JourneyOutcome).where(JourneyOutcome.journey_ref == ref)).one()


async def test_an_ended_journey_leaves_one_outcome_row_with_its_time_tax(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    handle = await start_journey(
        time_skipping_env.client,
        TASK_QUEUE,
        service_plan(
            fields=["child.given_name", "child.birth_date"],
            burden=ServiceBurden(minutes_per_contact=30, contacts=3, documents=2),
        ),
        service_plan("revenue.benefit", agency_id="revenue", fields=["informant.national_id"]),
        language="fr",
    )
    status = await handle.result()
    assert status.state == "completed"
    [outcome] = recorder.outcomes
    assert (outcome.state, outcome.language, outcome.channel, outcome.region) == (
        "completed",
        "fr",
        "api",
        None,
    )
    # Recorded just before the journey shows as ended.
    assert status.completed_at is not None
    assert status.started_at < outcome.ended_at <= status.completed_at
    tax = outcome.time_tax
    assert (tax.services_reached, tax.agencies_reached, tax.facts_received) == (2, 2, 3)
    # 3 + 1 contacts less the one made; 3 × 30 minutes less the one made.
    assert (tax.contacts_avoided, tax.minutes_saved, tax.documents_not_asked) == (3, 60, 2)
    assert tax.seconds_to_end is not None

    row = _row(handle.id)
    assert (row.life_event, row.state, row.language, row.channel) == (
        "birth",
        "completed",
        "fr",
        "api",
    )
    assert (row.facts_told, row.contacts_avoided, row.minutes_saved) == (
        tax.facts_told,
        3,
        60,
    )
    assert row.ended_on == outcome.ended_at.date()
    # Nothing in the row names the person, nor the journey.
    stored = " ".join(str(value) for value in row.model_dump().values())
    for personal in ("234567891", "Jordan", "Smith", "Noah", "p@example.org", handle.id):
        assert personal not in stored
    assert INTAKE["informant"]["national_id"] not in stored


async def test_a_failed_journey_is_counted_too(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    recorder.verified = False
    handle = await start_journey(time_skipping_env.client, TASK_QUEUE, service_plan())
    assert (await handle.result()).state == "failed"
    row = _row(handle.id)
    assert (row.state, row.services_reached, row.contacts_avoided, row.minutes_saved) == (
        "failed",
        0,
        0,
        None,
    )
