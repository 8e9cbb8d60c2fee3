"""Logs are structured, carry the journey id, and hold none of the person's data."""

import json

from simulated_agencies.demo import PRIYA
from tests.support.stack import Stack, birth_intake

PERSON = PRIYA.identity()
EMAIL = "priya.logscan@example.org"


def test_a_journey_leaves_no_personal_data_in_any_log(stack: Stack) -> None:
    body = birth_intake(email=EMAIL, informant=PERSON, child_given_name="Zephyrine")
    journey_id = stack.submit(body)
    stack.wait_until_done(journey_id)
    # An invalid intake too: error paths must not echo the values back into logs.
    with stack.api() as client:
        bad = {**body, "informant": {**PERSON, "national_id": f"not-an-id-{PRIYA.national_id}"}}
        assert client.post("/v1/life-events/birth/intakes", json=bad).status_code == 422

    logs = stack.logs()
    secrets = [*PERSON.values(), EMAIL, "Zephyrine", body["child"]["birth_date"]]
    for value in secrets:
        assert value not in logs, f"{value!r} leaked into the logs"
        assert json.dumps(value)[1:-1] not in logs

    about_journey = [
        json.loads(line)
        for line in logs.splitlines()
        if line.startswith("{") and journey_id in line
    ]
    assert about_journey, "nothing was logged about the journey"
    assert all(
        entry.get("journey_id") == journey_id
        for entry in about_journey
        if entry.get("logger") != "uvicorn.access"
    )
