"""The person sees who received their data ("who read my data"), and the trail is whole."""

import os
import subprocess
import sys

from simulated_agencies.demo import JORDAN
from tests.support.stack import Stack, birth_intake


def test_the_access_log_names_every_agency_that_received_the_data(stack: Stack) -> None:
    journey_id = stack.submit(birth_intake(email="access-log@example.org"))
    stack.wait_until_done(journey_id)
    with stack.citizen(journey_id) as client:
        log = client.get(f"/v1/journeys/{journey_id}/access-log").json()
    shared = {e["who"]: e["detail"] for e in log if e["what"] == "personal_data_shared"}
    assert set(shared) == {
        "agency:vital-statistics",
        "agency:revenue",
        "agency:social-insurance",
        "agency:health",
    }
    assert shared["agency:revenue"]["fields"] == [
        "child.given_name",
        "child.birth_date",
        "informant.national_id",
    ]
    assert any(e["what"] == "decision_received" and e["who"] == "agency:health" for e in log)
    assert all("Noah" not in str(e) and JORDAN.national_id not in str(e) for e in log)

    result = subprocess.run(
        [sys.executable, "-m", "cli", "audit-verify"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DATA_DIR": str(stack.folder)},
    )
    assert result.returncode == 0, result.stdout
