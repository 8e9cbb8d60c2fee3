"""Operators list journeys through Temporal visibility; the same filter works in the CLI."""

import json
import subprocess

from lifeevents.temporal import temporal_cli_path
from tests.support.stack import Stack, birth_intake


def test_operators_filter_journeys_by_life_event_state_and_agency(stack: Stack) -> None:
    journey_id = stack.submit(
        birth_intake(email="listed@example.org", services=["health.child-health-card"])
    )
    stack.wait_until_done(journey_id)

    with stack.operator() as operator:
        listed = operator.get(
            "/v1/journeys", params={"life_event": "birth", "state": "completed", "agency": "health"}
        ).json()
        other_agency = operator.get("/v1/journeys", params={"agency": "no-such-agency"}).json()
    row = next(j for j in listed["journeys"] if j["journey_id"] == journey_id)
    assert row["life_event"] == "birth" and row["state"] == "completed"
    assert row["agencies"] == ["health"]
    assert other_agency["journeys"] == []
    with stack.operator() as operator:
        escalated = operator.get("/v1/journeys", params={"escalated": "true"}).json()
    assert journey_id not in {j["journey_id"] for j in escalated["journeys"]}
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
    assert journey_id in ids


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
