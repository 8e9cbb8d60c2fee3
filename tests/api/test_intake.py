"""The intake over real HTTP: validation with field paths, unknown events, idempotency."""

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import Session, create_engine, select
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from core.ids import journey_id_for_intake
from core.tables import IntakeRecord
from simulated_agencies.demo import intake_for
from tests.support.stack import OPERATOR_NAME, Stack, birth_intake

URL = "/v1/life-events/birth/intakes"


JOURNEYS = 'WorkflowType = "LifeEventJourney"'


def _now() -> str:
    """A moment in visibility's terms (the Temporal server runs on this machine's clock)."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


async def _journeys_started_since(stack: Stack, client: Client, since: str) -> list[str]:
    """The ids of every journey started since ``since``, as visibility lists them, once it has
    caught up: a marker journey is started now, after everything the test did, and listed once
    visibility shows it (polled, not slept for). The marker is part of the answer."""
    marker = stack.submit(
        birth_intake(email="marker@example.org", services=["vital-statistics.birth-registration"])
    )
    deadline = time.monotonic() + 30
    while True:
        ids = [w.id async for w in client.list_workflows(f'{JOURNEYS} AND StartTime >= "{since}"')]
        if marker in ids:
            break
        assert time.monotonic() < deadline, f"visibility never listed the marker {marker}"
        await asyncio.sleep(0.1)
    stack.wait_until_done(marker)
    ids.remove(marker)
    return ids


async def _assert_no_journey(client: Client, journey_id: str) -> None:
    """No execution of ``journey_id``, read from its history (no visibility lag)."""
    with pytest.raises(RPCError) as raised:
        await client.get_workflow_handle(journey_id).describe()
    assert raised.value.status == RPCStatusCode.NOT_FOUND


def _without(body: dict[str, Any], section: str, field: str) -> dict[str, Any]:
    return {**body, section: {k: v for k, v in body[section].items() if k != field}}


BAD_INTAKES = [
    pytest.param(
        _without(birth_intake(email="a@example.org"), "child", "birth_date"),
        ["body", "child", "birth_date"],
        "missing",
        id="missing-field",
    ),
    pytest.param(
        {
            **birth_intake(email="a@example.org"),
            "child": {**birth_intake(email="a@example.org")["child"], "birth_date": "2024-02-30"},
        },
        ["body", "child", "birth_date"],
        "format",
        id="impossible-date",
    ),
    pytest.param(
        {
            **birth_intake(email="a@example.org"),
            "informant": {
                **birth_intake(email="a@example.org")["informant"],
                "national_id": "12AB",
            },
        },
        ["body", "informant", "national_id"],
        "pattern",
        id="malformed-national-id",
    ),
    pytest.param(
        {**birth_intake(email="a@example.org"), "contact": {"email": "not-an-address"}},
        ["body", "contact", "email"],
        "format",
        id="malformed-email",
    ),
    pytest.param(
        {**birth_intake(email="a@example.org"), "pets": 2},
        ["body", "pets"],
        "extra_forbidden",
        id="unknown-field",
    ),
    pytest.param(
        birth_intake(email="a@example.org", services=["passport.renewal"]),
        ["body", "services", 0],
        "value_error",
        id="unknown-service",
    ),
    pytest.param([1, 2], ["body"], "dict_type", id="not-an-object"),
]


@pytest.mark.parametrize(("body", "loc", "error_type"), BAD_INTAKES)
async def test_bad_intakes_get_422_with_the_field_path_and_start_nothing(
    stack: Stack, temporal_client: Client, body: Any, loc: list[Any], error_type: str
) -> None:
    since = _now()
    key = f"bad-{uuid.uuid4()}"
    async with httpx.AsyncClient(base_url=stack.api_url) as client:
        response = await client.post(URL, json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 422, response.text
    details = response.json()["detail"]
    assert {"loc": loc, "type": error_type} in [
        {"loc": d["loc"], "type": d["type"]} for d in details
    ], details
    # Not the journey this key would have named, nor any other.
    await _assert_no_journey(temporal_client, journey_id_for_intake("birth", key))
    assert await _journeys_started_since(stack, temporal_client, since) == []


async def test_malformed_json_is_a_422(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url) as client:
        response = await client.post(
            URL, content=b'{"informant": ', headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


async def test_an_unknown_life_event_is_a_404(stack: Stack, temporal_client: Client) -> None:
    since = _now()
    key = f"coronation-{uuid.uuid4()}"
    async with httpx.AsyncClient(base_url=stack.api_url) as client:
        response = await client.post(
            "/v1/life-events/coronation/intakes",
            json=birth_intake(email="a@example.org"),
            headers={"Idempotency-Key": key},
        )
        assert response.status_code == 404
        assert response.json()["detail"] == "Unknown life event 'coronation'"
        assert (await client.get("/v1/life-events/coronation")).status_code == 404
    await _assert_no_journey(temporal_client, journey_id_for_intake("coronation", key))
    await _assert_no_journey(temporal_client, journey_id_for_intake("birth", key))
    assert await _journeys_started_since(stack, temporal_client, since) == []


def test_journeys_are_for_their_person_and_for_operators_with_a_reason(stack: Stack) -> None:
    mine = stack.submit(birth_intake(email="mine@example.org"))
    theirs = stack.submit(birth_intake(email="theirs@example.org"))
    with stack.api() as anonymous:
        assert anonymous.get(f"/v1/journeys/{mine}").status_code == 401
    with stack.citizen(mine) as me:
        assert me.get(f"/v1/journeys/{mine}").status_code == 200
        # Another person's journey, or none at all: the same 404, so ids cannot be probed.
        assert me.get(f"/v1/journeys/{theirs}").status_code == 404
        assert me.get(f"/v1/journeys/{uuid.uuid4()}").status_code == 404
        assert me.post(f"/v1/journeys/{theirs}/cancel").status_code == 404
        assert me.get(f"/v1/journeys/{theirs}/access-log").status_code == 404
    with stack.operator() as operator:
        assert operator.get(f"/v1/journeys/{mine}").status_code == 403  # no reason given
        reason = {"X-Access-Reason": "ticket 4711: citizen called"}
        assert operator.get(f"/v1/journeys/{mine}", headers=reason).status_code == 200
        assert operator.get(f"/v1/journeys/{uuid.uuid4()}", headers=reason).status_code == 404
        assert operator.get("/v1/journeys/not-a-journey", headers=reason).status_code == 404
    with stack.citizen(mine) as me:
        log = me.get(f"/v1/journeys/{mine}/access-log").json()
    assert {"who": f"operator:{OPERATOR_NAME}", "what": "journey_accessed"} in [
        {"who": e["who"], "what": e["what"]} for e in log
    ]


def test_same_key_and_body_give_the_same_journey(stack: Stack) -> None:
    key = f"intake-{uuid.uuid4()}"
    body = birth_intake(email="idem@example.org")
    with stack.api() as client:
        first = client.post(URL, json=body, headers={"Idempotency-Key": key})
        second = client.post(URL, json=body, headers={"Idempotency-Key": key})
        other = client.post(
            URL, json=birth_intake(email="other@example.org"), headers={"Idempotency-Key": key}
        )
    assert first.status_code == 202
    assert second.status_code == 200
    assert second.json()["journey_id"] == first.json()["journey_id"]
    assert second.json()["access_token"] == first.json()["access_token"]
    stack.tokens[first.json()["journey_id"]] = first.json()["access_token"]
    assert other.status_code == 409
    stack.wait_until_done(first.json()["journey_id"])
    # Even after the journey ended, the same key still answers with it.
    with stack.api() as client:
        again = client.post(URL, json=body, headers={"Idempotency-Key": key})
    assert (again.status_code, again.json()["journey_id"]) == (200, first.json()["journey_id"])


def test_a_purged_key_does_not_open_its_old_journey_to_another_body(stack: Stack) -> None:
    """Once retention has removed the intake record, the key's journey still exists: the same
    key with another body must not get it (nor its token), the same body still does."""
    key = f"purged-{uuid.uuid4()}"
    body = birth_intake(email="victim@example.org")
    with stack.api() as client:
        first = client.post(URL, json=body, headers={"Idempotency-Key": key})
        assert first.status_code == 202, first.text
        engine = create_engine(f"sqlite:///{stack.folder / 'app.db'}")
        with Session(engine) as session:
            for record in session.exec(
                select(IntakeRecord).where(IntakeRecord.journey_id == first.json()["journey_id"])
            ):
                session.delete(record)
            session.commit()
        attacker = client.post(
            URL, json=birth_intake(email="attacker@example.org"), headers={"Idempotency-Key": key}
        )
        assert attacker.status_code == 409, attacker.text
        assert "access_token" not in attacker.text
    stack.tokens[first.json()["journey_id"]] = first.json()["access_token"]
    stack.wait_until_done(first.json()["journey_id"])


def test_a_key_is_scoped_to_its_life_event(stack: Stack) -> None:
    key = f"scoped-{uuid.uuid4()}"
    with stack.api() as client:
        birth = client.post(
            URL, json=birth_intake(email="scope@example.org"), headers={"Idempotency-Key": key}
        )
        move = client.post(
            "/v1/life-events/change-of-address/intakes",
            json=intake_for("change-of-address", "scope@example.org"),
            headers={"Idempotency-Key": key},
        )
    assert (birth.status_code, move.status_code) == (202, 202), move.text
    assert birth.json()["journey_id"] != move.json()["journey_id"]
    stack.tokens[birth.json()["journey_id"]] = birth.json()["access_token"]
    stack.wait_until_done(birth.json()["journey_id"])


async def test_concurrent_identical_intakes_start_one_journey(
    stack: Stack, temporal_client: Client
) -> None:
    since = _now()
    key = f"burst-{uuid.uuid4()}"
    body = birth_intake(email="burst@example.org")

    def post(_: int) -> httpx.Response:
        return httpx.post(
            f"{stack.api_url}{URL}", json=body, headers={"Idempotency-Key": key}, timeout=30
        )

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(8)))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [202], [
        (r.status_code, r.text[:200]) for r in responses
    ]
    journey_ids = {r.json()["journey_id"] for r in responses}
    assert len(journey_ids) == 1
    [journey_id] = journey_ids
    assert journey_id == journey_id_for_intake("birth", key)
    # One execution of it, and no other journey: visibility, once it lists a later journey.
    assert await _journeys_started_since(stack, temporal_client, since) == [journey_id]
    stack.tokens[journey_id] = next(r for r in responses if r.status_code == 202).json()[
        "access_token"
    ]
    stack.wait_until_done(journey_id)


def test_the_catalog_lists_the_birth_bundle(stack: Stack) -> None:
    with stack.api() as client:
        catalog = client.get("/v1/life-events").json()
        birth = client.get("/v1/life-events/birth").json()
    entry = next(e for e in catalog if e["type"] == "birth")
    # Other tests register more birth services; the definition's own are all there.
    assert {s["id"] for s in entry["services"]} >= {
        "vital-statistics.birth-registration",
        "revenue.child-benefit",
        "social-insurance.child-number",
        "health.child-health-card",
    }
    assert {"id", "agency", "title", "optional"} <= set(entry["services"][0])
    schema = birth["intake_schema"]
    assert {"informant", "child", "contact"} <= set(schema["required"])
    assert schema["$defs"]["person"]["required"] == [
        "national_id",
        "given_name",
        "family_name",
        "birth_date",
    ]


def test_health_and_readiness(stack: Stack) -> None:
    with stack.api() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz").json()
    assert ready == {"status": "ready", "database": "ok", "temporal": "ok"}


def test_an_oversized_body_is_refused_with_413(stack: Stack) -> None:
    body = birth_intake(email="big@example.org")
    body["child"]["birth_place"] = "x" * 100_000
    with stack.api() as client:
        response = client.post(URL, json=body)
    assert response.status_code == 413
