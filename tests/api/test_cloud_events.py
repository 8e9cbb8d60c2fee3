"""Registry events in both CloudEvents content modes: structured (the event as a JSON document)
and binary (attributes in ce-* headers, the data alone in the body, as the cloudevents SDK
sends it). Both name the same event by source and id; a malformed binary event is a 422 naming
the header at fault."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from cloudevents.core.bindings.http import to_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from simulated_agencies.demo import ELEANOR, days_ago
from tests.support.stack import REGISTRY_TOKEN, Stack

TYPE = "vital-statistics.death.registered"
SOURCE = "urn:registry:vital-statistics"


def death_data(email: str) -> dict[str, Any]:
    return {
        "deceased": {**ELEANOR.identity(), "date_of_death": days_ago(1)},
        "next_of_kin": {"email": email, "language": "en"},
    }


def registry(stack: Stack) -> httpx.Client:
    return httpx.Client(
        base_url=stack.api_url, headers={"Authorization": f"Bearer {REGISTRY_TOKEN}"}, timeout=30
    )


def binary(event_id: str, data: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    """The event as the SDK's HTTP binding puts it in binary mode."""
    event = CloudEvent(
        attributes={
            "id": event_id,
            "source": SOURCE,
            "type": TYPE,
            "time": datetime(2026, 11, 20, 10, tzinfo=UTC),
            "datacontenttype": "application/json",
        },
        data=data,
    )
    message = to_binary(event, JSONFormat())
    return message.headers, message.body


def test_binary_and_structured_modes_are_the_same_event(stack: Stack) -> None:
    event_id = f"death-{uuid.uuid4()}"
    headers, body = binary(event_id, death_data("binary-kin@example.org"))
    assert headers["ce-id"] == event_id and "ce-specversion" in headers
    structured = {
        "specversion": "1.0",
        "id": event_id,
        "source": SOURCE,
        "type": TYPE,
        "data": death_data("binary-kin@example.org"),
    }
    with registry(stack) as client:
        first = client.post("/v1/registry-events", content=body, headers=headers)
        assert first.status_code == 202, first.text
        # The same source and id, redelivered structured (both media types): the same journey.
        for content_type in ("application/json", "application/cloudevents+json"):
            again = client.post(
                "/v1/registry-events",
                content=json.dumps(structured),
                headers={"Content-Type": content_type},
            )
            assert again.status_code == 200, again.text
            assert again.json()["journey_id"] == first.json()["journey_id"]
        # And binary once more: still that journey.
        repeat = client.post("/v1/registry-events", content=body, headers=headers)
        assert repeat.status_code == 200
        assert repeat.json()["journey_id"] == first.json()["journey_id"]
    assert first.json()["life_event"] == "death"


def test_a_malformed_binary_event_is_a_422_naming_the_header(stack: Stack) -> None:
    headers, body = binary(f"death-{uuid.uuid4()}", death_data("malformed-kin@example.org"))
    without_id = {k: v for k, v in headers.items() if k not in ("ce-id", "ce-source")}
    cases: list[tuple[dict[str, str], bytes, list[list[str]]]] = [
        (without_id, body, [["header", "ce-id"], ["header", "ce-source"]]),
        ({**headers, "ce-time": "yesterday"}, body, [["header", "ce-time"]]),
        ({**headers, "ce-specversion": "0.3"}, body, [["header", "ce-specversion"]]),
        ({**headers, "ce-id": "x" * 201}, body, [["header", "ce-id"]]),
        (headers, b"[1, 2]", [["body"]]),  # the data must be an object
        (headers, b"", [["body"]]),
        (headers, b"{not json", [["body"]]),
        (
            headers,
            json.dumps({"deceased": {"national_id": "nope"}}).encode(),
            [["body", "deceased", "given_name"], ["body", "next_of_kin", "email"]],
        ),
    ]
    with registry(stack) as client:
        for case_headers, case_body, locations in cases:
            response = client.post("/v1/registry-events", content=case_body, headers=case_headers)
            assert response.status_code == 422, (case_headers, case_body, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            found = [error["loc"] for error in response.json()["errors"]]
            assert all(location in found for location in locations), (locations, found)
        anonymous = httpx.post(f"{stack.api_url}/v1/registry-events", content=body, headers=headers)
        assert anonymous.status_code == 401


def test_structured_mode_still_reports_paths_in_the_body(stack: Stack) -> None:
    with registry(stack) as client:
        response = client.post(
            "/v1/registry-events",
            json={"specversion": "1.0", "id": "x", "source": SOURCE, "type": TYPE, "data": "no"},
        )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "data"]
