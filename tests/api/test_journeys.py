"""``GET /v1/journeys`` (the real app in process, the Temporal dev server and its visibility,
the recording worker): every filter of the journeys search as a query parameter, each value
checked (a 422 on its own parameter), and a listing's next pages keep the first page's moment."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.support.inprocess_api import OPERATOR
from tests.use_cases.test_bulk_actions import (
    api,
    database,
    days_from_today,
    recorder,
    waiting_journeys,
)
from tests.workflows.fakes import Recorder

__all__ = ["api", "database", "recorder"]


async def listed(api: httpx.AsyncClient, **params: Any) -> list[str]:
    answer = await api.get("/v1/journeys", params={**params, "limit": 1000}, headers=OPERATOR)
    assert answer.status_code == 200, answer.text
    return [journey["journey_id"] for journey in answer.json()["journeys"]]


async def listed_when(api: httpx.AsyncClient, journey_id: str, **params: Any) -> None:
    for _ in range(300):  # visibility lags the workflow; an SLA of a second passes first
        if journey_id in await listed(api, **params):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{journey_id} never listed for {params}")


async def test_a_journey_whose_agency_missed_its_sla_is_listed_so(
    temporal_env: WorkflowEnvironment, recorder: Recorder, api: httpx.AsyncClient
) -> None:
    agency = f"late-{uuid.uuid4().hex[:8]}"
    [late] = await waiting_journeys(temporal_env.client, agency, 1, sla=timedelta(seconds=1))
    [calm] = await waiting_journeys(temporal_env.client, agency, 1)
    await listed_when(api, late, agency=agency, sla_breached="true")
    assert await listed(api, agency=agency, sla_breached="true") == [late]
    # Never breached carries no value at all, and is listed as not breached.
    await listed_when(api, calm, agency=agency, sla_breached="false")
    assert await listed(api, agency=agency, sla_breached="false") == [calm]
    period = {"started_from": days_from_today(-1), "started_to": days_from_today(1)}
    assert sorted(await listed(api, agency=agency, **period)) == sorted([late, calm])
    assert await listed(api, agency=agency, started_to=days_from_today(-1)) == []
    await temporal_env.client.get_workflow_handle(calm).terminate()
    await temporal_env.client.get_workflow_handle(late).result()  # it ends with its issue


async def test_the_next_pages_keep_the_first_pages_moment(
    temporal_env: WorkflowEnvironment, recorder: Recorder, api: httpx.AsyncClient
) -> None:
    agency = f"paged-{uuid.uuid4().hex[:8]}"
    journeys = await waiting_journeys(temporal_env.client, agency, 2, consent=None)
    for journey_id in journeys:
        await listed_when(api, journey_id, agency=agency, waiting_days=0)
    params: dict[str, str | int] = {"agency": agency, "waiting_days": 0, "limit": 1}
    first = await api.get("/v1/journeys", params=params, headers=OPERATOR)
    assert first.status_code == 200, first.text
    await asyncio.sleep(1.1)
    cursor = first.json()["next_cursor"]
    second = await api.get("/v1/journeys", params={**params, "cursor": cursor}, headers=OPERATOR)
    assert second.status_code == 200, second.text
    assert second.json()["query"] == first.json()["query"]
    seen = [j["journey_id"] for page in (first, second) for j in page.json()["journeys"]]
    assert sorted(seen) == sorted(journeys)
    other = {**params, "waiting_days": 1, "cursor": cursor}
    refused = await api.get("/v1/journeys", params=other, headers=OPERATOR)
    assert refused.status_code == 422 and refused.json()["errors"][0]["loc"] == ["query", "cursor"]
    for journey_id in journeys:
        await temporal_env.client.get_workflow_handle(journey_id).terminate()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "sleeping"}, "state"),
        ({"life_event": 'x" OR 1=1'}, "life_event"),
        ({"agency": "Health Agency"}, "agency"),
        ({"escalated": "maybe"}, "escalated"),
        ({"sla_breached": "maybe"}, "sla_breached"),
        ({"waiting_days": "-1"}, "waiting_days"),
        ({"waiting_days": "3651"}, "waiting_days"),
        ({"waiting_days": "three"}, "waiting_days"),
        ({"started_from": "someday"}, "started_from"),
        ({"started_to": "1999-12-31"}, "started_to"),
        ({"started_from": "2026-11-02", "started_to": "2026-11-01"}, "started_from"),
    ],
)
async def test_a_bad_filter_is_refused_on_its_own_parameter(
    api: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    answer = await api.get("/v1/journeys", params=params, headers=OPERATOR)
    assert answer.status_code == 422, answer.text
    assert [e["loc"] for e in answer.json()["errors"]] == [["query", field]]
