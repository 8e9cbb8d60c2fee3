"""A journey keeps the plan it started with when the registry changes under it; new journeys
use the new version at once, with no restart."""

import time

from tests.support.stack import Stack, birth_intake

SERVICE = "/v1/agencies/health/services/health.child-health-card"


def test_a_journey_in_flight_keeps_its_registration_version(stack: Stack) -> None:
    with stack.api() as client:
        client.headers["Authorization"] = f"Bearer {stack.agency_key('health')}"
        original = client.get(SERVICE).json()
        before = stack.submit(birth_intake(email="pinned-before@example.org"))

        changed = {
            k: v
            for k, v in original.items()
            if k not in ("agency_id", "version", "active", "workers")
        }
        changed["fields"] = ["child.given_name"]  # the agency now asks for less
        response = client.put(SERVICE, json=changed)
        assert response.status_code == 200, response.text
        assert response.json()["version"] == original["version"] + 1
        try:
            after = stack.submit(birth_intake(email="pinned-after@example.org"))
            for journey_id in (before, after):
                stack.wait_until_done(journey_id)
        finally:
            restored = {**changed, "fields": original["fields"]}
            assert client.put(SERVICE, json=restored).status_code == 200

    def health_data(journey_id: str) -> dict[str, object]:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for item in stack.received(journey_id):
                if item["agency"] == "health":
                    data: dict[str, object] = item["body"]["data"]
                    return data
            time.sleep(0.1)
        raise AssertionError("health received nothing")

    assert set(health_data(before)) == {"child", "informant", "contact"}
    assert health_data(after) == {"child": {"given_name": "Noah"}}
