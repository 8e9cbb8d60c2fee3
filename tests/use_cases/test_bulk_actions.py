"""Bulk actions over the API (the real app in process, the Temporal dev server and its
visibility, the recording worker): preview → execute, an outcome per journey in start order,
the audit trail, and what a preview does not confirm."""

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment

from core import search_attributes
from core.models import JourneyPlan
from core.tables import AuditEntry
from tests.support.inprocess_api import OPERATOR, api_client, scratch_database
from tests.workflows.fakes import INTAKE, Recorder, journey_worker, service_plan
from tests.workflows.test_engine import status_when, step
from workflows.journey import LifeEventJourney

TASK_QUEUE = "bulk-actions-test"
REASON = "Health restored its intake queue (incident 88)"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with scratch_database(tmp_path_factory.mktemp("bulk-actions")) as engine:
        yield engine


@pytest.fixture(scope="module")
async def recorder(temporal_env: WorkflowEnvironment) -> AsyncIterator[Recorder]:
    recorder = Recorder(decide_at_once=False)
    async with journey_worker(temporal_env.client, TASK_QUEUE, recorder):
        yield recorder


@pytest.fixture(scope="module")
async def api(
    temporal_env: WorkflowEnvironment, database: Engine
) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(temporal_env.client) as client:
        yield client


async def waiting_journeys(client: Client, agency: str, how_many: int, **service: Any) -> list[str]:
    """Journeys of one step at ``agency`` (``service``: that step's plan changed), started one
    after the other, each waiting for the agency (or for the person, for their consent);
    started with their search attributes, as the API starts them."""
    ids = []
    for _ in range(how_many):
        journey_id = str(uuid.uuid4())
        plan = JourneyPlan(
            journey_id=journey_id,
            life_event="birth",
            definition_version=1,
            language="en",
            intake=INTAKE,
            services=[service_plan("bulk.step", agency_id=agency, **service)],
            callback_base_url="http://127.0.0.1:8000",
        )
        handle = await client.start_workflow(
            LifeEventJourney.run,
            plan,
            id=journey_id,
            task_queue=TASK_QUEUE,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(search_attributes.LIFE_EVENT, "birth"),
                    SearchAttributePair(search_attributes.JOURNEY_STATE, "running"),
                    SearchAttributePair(search_attributes.JOURNEY_AGENCIES, [agency]),
                ]
            ),
        )
        await status_when(
            handle,
            lambda s: step(s, "bulk.step").state in ("waiting_for_agency", "waiting_for_citizen"),
        )
        ids.append(journey_id)
    return ids


async def preview_when(api: httpx.AsyncClient, body: dict[str, Any], count: int) -> dict[str, Any]:
    """The preview, once visibility (which lags a start) counts ``count`` journeys."""
    for _ in range(200):
        answer = await api.post("/v1/journeys/bulk-actions/preview", json=body, headers=OPERATOR)
        assert answer.status_code == 200, answer.text
        if answer.json()["count"] == count:
            return dict(answer.json())
        await asyncio.sleep(0.1)
    raise AssertionError(f"visibility never counted {count}: {answer.json()}")


def audited(engine: Engine, action: str, journeys: list[str]) -> list[AuditEntry]:
    with Session(engine) as session:
        query = select(AuditEntry).where(
            AuditEntry.action == action, col(AuditEntry.journey_id).in_(journeys)
        )
        return list(session.exec(query).all())


async def test_a_previewed_cancellation_is_applied_in_order_to_every_matching_journey(
    temporal_env: WorkflowEnvironment, recorder: Recorder, api: httpx.AsyncClient, database: Engine
) -> None:
    agency = f"bulk-{uuid.uuid4().hex[:8]}"
    journeys = await waiting_journeys(temporal_env.client, agency, 3)
    body = {"filter": {"agency": agency}, "action": {"kind": "cancel"}}
    preview = await preview_when(api, body, 3)
    assert preview["query"] == (
        f'WorkflowType = "LifeEventJourney" AND JourneyAgencies = "{agency}"'
    )
    assert preview["token"] and preview["max"] == 100
    url = "/v1/journeys/bulk-actions"
    execution = {**body, "reason": REASON, "count": 3, "token": preview["token"]}

    assert (await api.post(url, json=execution)).status_code == 401
    miscounted = await api.post(url, json={**execution, "count": 2}, headers=OPERATOR)
    assert miscounted.status_code == 409
    assert miscounted.json()["type"].endswith("bulk-not-confirmed")
    other_action = {**execution, "action": {"kind": "resubmit", "step_id": "bulk.step"}}
    assert (await api.post(url, json=other_action, headers=OPERATOR)).status_code == 409
    forged = await api.post(url, json={**execution, "token": "x.y"}, headers=OPERATOR)
    assert forged.status_code == 409
    no_reason = await api.post(url, json={**execution, "reason": ""}, headers=OPERATOR)
    assert no_reason.status_code == 422
    assert audited(database, "journey_cancelled", journeys) == []

    done = await api.post(url, json=execution, headers=OPERATOR)
    assert done.status_code == 200, done.text
    result = done.json()
    assert (result["count"], result["applied"], result["refused"]) == (3, 3, 0)
    assert [o["journey_id"] for o in result["outcomes"]] == journeys  # oldest started first
    entries = audited(database, "journey_cancelled", journeys)
    assert sorted(e.journey_id or "" for e in entries) == sorted(journeys)
    assert {(e.actor, e.detail["reason"]) for e in entries} == {("operator:operator", REASON)}
    for journey_id in journeys:
        handle = temporal_env.client.get_workflow_handle(journey_id)
        assert (await handle.result())["state"] == "cancelled"


async def test_journeys_that_the_action_does_not_fit_are_refused_one_by_one(
    temporal_env: WorkflowEnvironment, recorder: Recorder, api: httpx.AsyncClient, database: Engine
) -> None:
    agency = f"bulk-{uuid.uuid4().hex[:8]}"
    journeys = await waiting_journeys(temporal_env.client, agency, 2)
    action = {"kind": "resolve_escalation", "step_id": "bulk.step", "action": "skip"}
    body = {"filter": {"agency": agency, "state": "running"}, "action": action}
    preview = await preview_when(api, body, 2)
    execution = {**body, "reason": REASON, "count": 2, "token": preview["token"]}
    done = await api.post("/v1/journeys/bulk-actions", json=execution, headers=OPERATOR)
    assert done.status_code == 200, done.text
    outcomes = done.json()["outcomes"]
    assert [(o["outcome"], o["detail"]) for o in outcomes] == [
        ("refused", "'bulk.step' is not escalated (it is waiting_for_agency)")
    ] * 2
    assert audited(database, "escalation_resolved", journeys) == []
    for journey_id in journeys:
        await temporal_env.client.get_workflow_handle(journey_id).terminate()


async def test_a_filter_value_that_is_not_a_code_is_refused_with_its_path(
    api: httpx.AsyncClient,
) -> None:
    body = {"filter": {"agency": 'x" OR true'}, "action": {"kind": "cancel"}}
    answer = await api.post("/v1/journeys/bulk-actions/preview", json=body, headers=OPERATOR)
    assert answer.status_code == 422
    assert ["body", "filter", "agency"] in [e["loc"] for e in answer.json()["errors"]]


def days_from_today(offset: int) -> str:
    """Today in UTC (the dates of the filter are), moved by ``offset`` days."""
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def _with_moment(token: str, at: int) -> str:
    """The token, its readable value changed to another moment, its MAC kept."""
    encoded, mac = token.split(".")
    bound, expires = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    altered = json.dumps([[*bound[:-1], at], expires]).encode()
    return f"{base64.urlsafe_b64encode(altered).decode().rstrip('=')}.{mac}"


async def test_a_waiting_days_preview_is_executed_for_the_moment_it_was_made(
    temporal_env: WorkflowEnvironment, recorder: Recorder, api: httpx.AsyncClient, database: Engine
) -> None:
    """ "Waiting on the person for 0 days or more" over a period: the execution acts on what the
    preview counted, not on a journey that began waiting after it; the token binds the filter
    and the moment, so another filter or moment is refused."""
    agency = f"bulk-{uuid.uuid4().hex[:8]}"
    [first] = await waiting_journeys(temporal_env.client, agency, 1, consent=None)
    the_filter = {
        "agency": agency,
        "waiting_days": 0,
        "started_from": days_from_today(-1),
        "started_to": days_from_today(1),
    }
    body = {"filter": the_filter, "action": {"kind": "cancel"}}
    preview = await preview_when(api, body, 1)
    at = int(datetime.fromisoformat(preview["at"]).timestamp())
    assert f"JourneyWaitingSince <= {at} AND StartTime >= " in preview["query"]
    assert preview["query"].endswith(f'StartTime < "{days_from_today(2)}T00:00:00Z"')
    await asyncio.sleep(1.1)  # the next journey begins waiting after the preview's moment
    [later] = await waiting_journeys(temporal_env.client, agency, 1, consent=None)
    await preview_when(api, body, 2)  # a preview now counts it

    url = "/v1/journeys/bulk-actions"
    execution = {**body, "reason": REASON, "count": 1, "token": preview["token"]}
    for altered in (
        {**the_filter, "waiting_days": 1},
        {**the_filter, "started_to": days_from_today(0)},
        {key: value for key, value in the_filter.items() if key != "started_from"},
    ):
        refused = await api.post(url, json={**execution, "filter": altered}, headers=OPERATOR)
        assert refused.status_code == 409, refused.text
    moved = {**execution, "token": _with_moment(preview["token"], at + 5)}
    assert (await api.post(url, json=moved, headers=OPERATOR)).status_code == 409
    assert audited(database, "journey_cancelled", [first, later]) == []

    done = await api.post(url, json=execution, headers=OPERATOR)
    assert done.status_code == 200, done.text
    assert done.json()["query"] == preview["query"]
    assert [(o["journey_id"], o["outcome"]) for o in done.json()["outcomes"]] == [
        (first, "applied")
    ]
    handle = temporal_env.client.get_workflow_handle(first)
    assert (await handle.result())["state"] == "cancelled"
    await temporal_env.client.get_workflow_handle(later).terminate()


async def test_a_period_that_ends_before_the_journeys_started_matches_none(
    temporal_env: WorkflowEnvironment, recorder: Recorder, api: httpx.AsyncClient
) -> None:
    agency = f"bulk-{uuid.uuid4().hex[:8]}"
    [journey_id] = await waiting_journeys(temporal_env.client, agency, 1)
    started = {
        "agency": agency,
        "started_from": days_from_today(-1),
        "started_to": days_from_today(1),
    }
    await preview_when(api, {"filter": started, "action": {"kind": "cancel"}}, 1)
    before = {"agency": agency, "started_from": "2000-01-01", "started_to": days_from_today(-1)}
    body = {"filter": before, "action": {"kind": "cancel"}}
    answer = await api.post("/v1/journeys/bulk-actions/preview", json=body, headers=OPERATOR)
    assert (answer.json()["count"], answer.json()["token"]) == (0, None)
    await temporal_env.client.get_workflow_handle(journey_id).terminate()
