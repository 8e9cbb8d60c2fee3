"""Every life event of the catalog runs end to end on the real stack, with every service chosen,
answering the agencies' requests for information through the API as a person would."""

import time
from typing import Any

import pytest

from lifeevents.catalog import get_catalog
from simulated_agencies.demo import intake_for
from tests.support.stack import FINAL_STATES, Stack

ANSWERS = {"bank_account": "00123-004-5550001"}


def run_to_the_end(stack: Stack, journey_id: str, timeout: float = 90) -> dict[str, Any]:
    answered: set[str] = set()
    deadline = time.monotonic() + timeout
    with stack.citizen(journey_id) as client:
        while time.monotonic() < deadline:
            status: dict[str, Any] = client.get(f"/v1/journeys/{journey_id}").json()
            if status["state"] in FINAL_STATES:
                return status
            for request in status["requests"]:
                if (
                    request["state"] == "open"
                    and request["kind"] == "information"
                    and request["id"] not in answered
                ):
                    response = client.post(
                        f"/v1/journeys/{journey_id}/information",
                        json={
                            "request_id": request["id"],
                            "answers": {k: ANSWERS[k] for k in request["requested"]},
                        },
                    )
                    assert response.status_code == 200, response.text
                    answered.add(request["id"])
            time.sleep(0.2)
    raise AssertionError(f"journey not done: {status}")


@pytest.mark.parametrize("life_event", sorted(get_catalog()))
def test_every_life_event_runs_end_to_end(stack: Stack, life_event: str) -> None:
    definition = get_catalog()[life_event]
    services = [service.id for service in definition.services]
    body = {
        **intake_for(life_event, f"{life_event}@example.org"),
        "services": services,
        "consents": services,
    }
    journey_id = stack.submit(body, life_event=life_event)
    status = run_to_the_end(stack, journey_id)

    assert status["state"] == "completed", status
    steps = {step["id"]: step for step in status["steps"][1:]}
    assert list(steps) == services
    assert {step["state"] for step in steps.values()} <= {"completed", "not_eligible"}
    reached = {r["body"]["service_id"] for r in stack.received(journey_id)}
    assert reached == {sid for sid, step in steps.items() if step["state"] == "completed"}
    for request in status["requests"]:
        assert request["state"] == "answered"
