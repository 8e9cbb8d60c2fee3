"""Transient faults at an agency are retried with backoff within the service's policy, always
with the same webhook-id; an agency that says the request is invalid is not asked again.
Faults are injected by a real local HTTP server; each case runs through a dry run (the real
submission path)."""

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from tests.support.agency import ExternalAgency, Script
from tests.support.ports import free_port
from tests.support.registered_agency import close, new_agency
from tests.support.stack import Stack


@pytest.fixture(scope="module")
def pier(stack: Stack) -> Iterator[dict[str, Any]]:
    agency = new_agency(stack, "pier")
    yield agency
    close(agency)


def try_service(pier: dict[str, Any], name: str, url: str, attempts: int = 6) -> dict[str, Any]:
    service_id = f"{pier['agency_id']}.{name}"
    client: httpx.Client = pier["client"]
    response = client.post(
        f"/v1/agencies/{pier['agency_id']}/services",
        json={
            "service_id": service_id,
            "title": {"en": name, "fr": name},
            "life_events": ["birth"],
            "fields": ["child.given_name"],
            "delivery": {"mode": "webhook", "url": url},
            "sla": "PT1H",
            "retry": {
                "initial_interval_seconds": 0.2,
                "maximum_interval_seconds": 0.5,
                "maximum_attempts": attempts,
                "attempt_timeout_seconds": 1.5,
            },
        },
    )
    assert response.status_code == 201, response.text
    tried = client.post(
        f"/v1/agencies/{pier['agency_id']}/services/{service_id}/dry-run",
        json={"timeout_seconds": 60},
    )
    assert tried.status_code == 200, tried.text
    result: dict[str, Any] = tried.json()
    return result


def failed_attempts(stack: Stack) -> list[dict[str, Any]]:
    """Every activity attempt the stack's workers logged as failed (JSON lines), in order."""
    lines = []
    for path in sorted(stack.folder.glob("worker-*.log")):
        for text in path.read_text(errors="replace").splitlines():
            try:
                line = json.loads(text)
            except ValueError:
                continue  # not a JSON line, or one still being written
            if isinstance(line, dict) and line.get("event") == "Completing activity as failed":
                lines.append(line)
    return lines


def deliveries(pier: dict[str, Any], name: str) -> list[Any]:
    path = f"{pier['agency_id']}.{name}"
    return [d for d in pier["server"].deliveries if d.path == path]


def test_5xx_answers_are_retried_with_the_same_webhook_id(pier: dict[str, Any]) -> None:
    server: ExternalAgency = pier["server"]
    server.scripts[f"{pier['agency_id']}.flaky"] = Script(steps=["5xx", "5xx", "ok"])
    result = try_service(pier, "flaky", f"{server.url}/{pier['agency_id']}.flaky")
    assert result["outcome"] == "approved"
    seen = deliveries(pier, "flaky")
    assert len(seen) == 3 and len({d.msg_id for d in seen}) == 1


def test_a_time_out_is_retried(pier: dict[str, Any]) -> None:
    server: ExternalAgency = pier["server"]
    server.scripts[f"{pier['agency_id']}.slow"] = Script(steps=["slow", "ok"])
    result = try_service(pier, "slow", f"{server.url}/{pier['agency_id']}.slow")
    assert result["outcome"] == "approved"
    seen = deliveries(pier, "slow")
    assert len(seen) == 2 and len({d.msg_id for d in seen}) == 1


async def test_a_refused_connection_is_retried_until_the_agency_is_back(
    pier: dict[str, Any], stack: Stack, temporal_client: Client
) -> None:
    late = ExternalAgency(pier["webhook_secret"])
    late.port = free_port()
    late.url = f"http://127.0.0.1:{late.port}"
    failures_before = len(failed_attempts(stack))
    # The dry run waits for its outcome: run it aside, and open the agency's port only once the
    # worker has reported a failed attempt (nothing listens there until then).
    with ThreadPoolExecutor(max_workers=1) as aside:
        trying = aside.submit(
            try_service, pier, "down", f"{late.url}/{pier['agency_id']}.down", attempts=20
        )
        deadline = time.monotonic() + 30
        while len(failed_attempts(stack)) == failures_before:
            assert time.monotonic() < deadline and not trying.done(), "no attempt failed"
            time.sleep(0.05)
        opened_at = datetime.now(UTC)
        late.start()
        try:
            result = trying.result(timeout=90)
        finally:
            time.sleep(0.1)
            late.stop()
    assert result["outcome"] == "approved"
    assert len(late.deliveries) == 1 and late.deliveries[0].signature_ok

    # The step's history: its one submission was scheduled before the agency listened, and
    # finished on a later attempt.
    step = late.deliveries[0].msg_id.removesuffix("/submit")
    scheduled, started = [], []
    async for event in temporal_client.get_workflow_handle(step).fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            scheduled.append(event)
        elif event.HasField("activity_task_started_event_attributes"):
            started.append(event.activity_task_started_event_attributes)
    (submission,), (finished,) = scheduled, started
    assert submission.activity_task_scheduled_event_attributes.activity_type.name == (
        "deliver_webhook"
    )
    assert submission.event_time.ToDatetime(UTC) < opened_at
    assert finished.attempt > 1
    # Every attempt before it failed, before the agency was up, because the connection was
    # refused: the worker logs each failed attempt with its error (the history keeps only the
    # last failure, and the server drops that one here: with its encrypted trace it is over
    # the server's size limit).
    journey_id = late.deliveries[0].body["journey_id"]
    failed = [line for line in failed_attempts(stack) if line.get("journey_id") == journey_id]
    assert len(failed) == finished.attempt - 1, failed
    assert datetime.fromisoformat(failed[0]["timestamp"]) < opened_at
    for line in failed:
        assert line["exception"].endswith(
            "AgencyUnavailable: The agency could not be reached (refused); will retry"
        ), line["exception"][-300:]


def test_an_invalid_answer_is_not_retried_and_says_why(pier: dict[str, Any]) -> None:
    server: ExternalAgency = pier["server"]
    server.scripts[f"{pier['agency_id']}.strict"] = Script(steps=["invalid"])
    result = try_service(pier, "strict", f"{server.url}/{pier['agency_id']}.strict")
    assert result["state"] == "failed"
    # What happened, in our words; never the agency's answer (a dry run reads no answers).
    assert result["reasons"] == ["The agency refused the request (422)."]
    failed = result["exchanges"][-1]["failed"]
    assert (failed["failure"], failed["status"]) == ("rejected", 422)
    assert "too long for us" not in str(result)
    assert len(deliveries(pier, "strict")) == 1
