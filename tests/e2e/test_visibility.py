"""Operators list journeys through Temporal visibility; the same filter works in the CLI."""

import json
import subprocess
import time
from typing import Any

from core.temporal import temporal_cli_path
from simulated_agencies.demo import JORDAN, intake_for
from tests.support.stack import Stack, birth_intake


def listing(stack: Stack, **params: Any) -> dict[str, Any]:
    with stack.operator() as operator:
        response = operator.get("/v1/journeys", params={**params, "limit": 1000})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def wait_listed(
    stack: Stack, journey_id: str, timeout: float = 30, **params: Any
) -> dict[str, Any]:
    """The listing for ``params`` once visibility shows ``journey_id`` in it (it catches up
    with a journey a moment after the journey itself)."""
    deadline = time.monotonic() + timeout
    while True:
        found = listing(stack, **params)
        if journey_id in {row["journey_id"] for row in found["journeys"]}:
            return found
        assert time.monotonic() < deadline, f"{journey_id} never listed for {params}: {found}"
        time.sleep(0.1)


def test_operators_filter_journeys_by_life_event_state_and_agency(stack: Stack) -> None:
    # One journey matches the filter; each other one misses it by one criterion.
    journey_id = stack.submit(
        birth_intake(email="listed@example.org", services=["health.child-health-card"])
    )
    other_agency = stack.submit(
        birth_intake(email="listed@example.org", services=["vital-statistics.birth-registration"])
    )
    failed = stack.submit(
        birth_intake(
            email="listed@example.org",
            informant={**JORDAN.identity(), "birth_date": "1990-01-01"},  # not on record
            services=["health.child-health-card"],
        )
    )
    other_event = stack.submit(
        {
            **intake_for("change-of-address", "listed@example.org"),
            "services": ["health.address"],
            "consents": ["health.address"],
        },
        life_event="change-of-address",
    )
    ours = {journey_id, other_agency, failed, other_event}
    for each in ours:
        stack.wait_until_done(each)
    # Visibility has each of them, in its final state, under its own filter...
    wait_listed(
        stack, other_agency, life_event="birth", state="completed", agency="vital-statistics"
    )
    wait_listed(stack, failed, life_event="birth", state="failed")
    wait_listed(
        stack, other_event, life_event="change-of-address", state="completed", agency="health"
    )
    listed = wait_listed(stack, journey_id, life_event="birth", state="completed", agency="health")
    # ... and this filter lists exactly the one of ours that matches, and only matching rows.
    assert {row["journey_id"] for row in listed["journeys"]} & ours == {journey_id}
    for row in listed["journeys"]:
        assert (row["life_event"], row["state"]) == ("birth", "completed"), row
        assert "health" in row["agencies"], row
    row = next(j for j in listed["journeys"] if j["journey_id"] == journey_id)
    assert row["agencies"] == ["health"]
    assert listing(stack, agency="no-such-agency")["journeys"] == []
    escalated = listing(stack, escalated="true")
    assert {j["journey_id"] for j in escalated["journeys"]} & ours == set()
    assert escalated["query"].endswith("JourneyEscalated = true")

    # The query the API used works as it is in the `temporal` CLI (and so in the UI).
    address = stack.env["TEMPORAL_ADDRESS"]
    out = subprocess.run(
        [
            str(temporal_cli_path()),
            "workflow",
            "list",
            "--address",
            address,
            "--query",
            listed["query"],
            "--output",
            "json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    ids = {row["execution"]["workflowId"] for row in json.loads(out)}
    assert ids & ours == {journey_id}


def test_listing_journeys_is_for_operators_only(stack: Stack) -> None:
    with stack.api() as anonymous:
        assert anonymous.get("/v1/journeys").status_code == 401
        assert (
            anonymous.get("/v1/journeys", headers={"Authorization": "Bearer wrong"}).status_code
            == 401
        )


def test_bad_filters_are_refused(stack: Stack) -> None:
    with stack.operator() as operator:
        response = operator.get("/v1/journeys", params={"state": "sleeping"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "state"]
        response = operator.get("/v1/journeys", params={"life_event": 'x" OR 1=1'})
        assert response.status_code == 422
