"""The console's journey filters: checked values only, made into the visibility query that
finds journeys on a real Temporal dev server (an agency past its SLA, a person not answering)."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from core.models import JourneyStatus
from core.settings import get_settings
from tests.workflows.fakes import service_plan, start_journey
from use_cases.gateway import TemporalGateway
from use_cases.journey_search import JourneyFilter, temporal_ui_query_url

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_every_filter_becomes_one_clause_of_checked_values() -> None:
    query = JourneyFilter(
        life_event="birth",
        state="waiting_for_citizen",
        agency="health",
        escalated="yes",
        sla_breached="no",
        waiting_days=3,
        started_from=date(2026, 11, 1),
        started_to=date(2026, 11, 25),
    ).visibility_query(NOW)
    assert query == (
        'WorkflowType = "LifeEventJourney" AND LifeEvent = "birth" AND '
        'JourneyState = "waiting_for_citizen" AND JourneyAgencies = "health" AND '
        "JourneyEscalated = true AND "
        "(JourneySlaBreached = false OR JourneySlaBreached IS NULL) AND "
        f"JourneyWaitingSince <= {int((NOW - timedelta(days=3)).timestamp())} AND "
        'StartTime >= "2026-11-01T00:00:00Z" AND StartTime < "2026-11-26T00:00:00Z"'
    )
    assert JourneyFilter().visibility_query(NOW) == 'WorkflowType = "LifeEventJourney"'


@pytest.mark.parametrize(
    "values",
    [
        {"life_event": 'birth" OR WorkflowType = "x'},
        {"agency": "Health Agency"},
        {"state": "anything"},
        {"escalated": "maybe"},
        {"waiting_days": "-1"},
        {"waiting_days": "3651"},
        {"started_from": "1999-12-31"},
        {"started_from": "2026-11-02", "started_to": "2026-11-01"},
        {"unknown": "x"},
    ],
)
def test_anything_else_is_refused_before_any_query(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        JourneyFilter.model_validate(values)


def test_flags_take_the_apis_words_and_the_consoles_alike() -> None:
    assert JourneyFilter.model_validate({"escalated": "true", "sla_breached": "false"}) == (
        JourneyFilter.model_validate({"escalated": "yes", "sla_breached": "no"})
    )
    journey_filter = JourneyFilter.model_validate({"sla_breached": "false", "waiting_days": "3"})
    assert journey_filter.query_string() == "sla_breached=no&waiting_days=3"  # as its forms say
    # What a preview token and a cursor bind: one exact text for one filter.
    assert journey_filter.canonical_json() == '{"sla_breached":false,"waiting_days":3}'


def test_the_filter_round_trips_through_the_url() -> None:
    journey_filter = JourneyFilter(life_event="death", waiting_days=7)
    assert journey_filter.query_string() == "life_event=death&waiting_days=7"
    url = temporal_ui_query_url("http://ui", "default", 'LifeEvent = "death"')
    assert url == "http://ui/namespaces/default/workflows?query=LifeEvent+%3D+%22death%22"


async def _found(gateway: TemporalGateway, journey_filter: JourneyFilter, journey_id: str) -> bool:
    query = f'{journey_filter.visibility_query(datetime.now(UTC))} AND WorkflowId = "{journey_id}"'
    found, _ = await gateway.search_journeys(query, 10)
    return [j.journey_id for j in found] == [journey_id]


async def _eventually(
    gateway: TemporalGateway, journey_filter: JourneyFilter, journey_id: str
) -> None:
    for _ in range(100):  # visibility lags the workflow a little
        if await _found(gateway, journey_filter, journey_id):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{journey_filter} never found {journey_id}")


async def _stop(handle: WorkflowHandle[Any, JourneyStatus]) -> None:
    await handle.terminate("test over")


async def test_a_journey_waiting_on_the_person_is_found_by_how_long(
    temporal_env: WorkflowEnvironment, engine_queue: str
) -> None:
    gateway = TemporalGateway(temporal_env.client, get_settings())
    handle = await start_journey(
        temporal_env.client, engine_queue, service_plan("health.card", consent=None)
    )
    try:
        await _eventually(gateway, JourneyFilter(waiting_days=0), handle.id)
        assert not await _found(gateway, JourneyFilter(waiting_days=1), handle.id)
        [summary], _ = await gateway.search_journeys(f'WorkflowId = "{handle.id}"', 1)
        assert summary.state == "waiting_for_citizen" and summary.waiting_since is not None
        assert (
            await gateway.count_journeys(
                JourneyFilter(waiting_days=0).visibility_query(datetime.now(UTC))
            )
            >= 1
        )
    finally:
        await _stop(handle)


async def test_a_journey_whose_agency_missed_its_sla_is_found_so(
    temporal_env: WorkflowEnvironment, engine_queue: str
) -> None:
    gateway = TemporalGateway(temporal_env.client, get_settings())
    handle = await start_journey(
        temporal_env.client, engine_queue, service_plan("health.card", sla=timedelta(seconds=1))
    )
    assert (await handle.result()).state == "completed_with_issues"
    await _eventually(gateway, JourneyFilter(sla_breached="yes"), handle.id)
    assert not await _found(gateway, JourneyFilter(sla_breached="no"), handle.id)
    assert not await _found(gateway, JourneyFilter(escalated="yes"), handle.id)
