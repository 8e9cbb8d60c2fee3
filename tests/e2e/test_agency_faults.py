"""Transient faults at an agency are retried with backoff within the service's policy, always
with the same webhook-id; an agency that says the request is invalid is not asked again.
Faults are injected by a real local HTTP server; each case runs through a dry run (the real
submission path)."""

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.agency import ExternalAgency, Script
from tests.support.ports import free_port
from tests.support.stack import Stack


@pytest.fixture(scope="module")
def pier(stack: Stack) -> Iterator[dict[str, Any]]:
    agency_id = f"pier-{uuid.uuid4().hex[:6]}"
    with stack.operator() as operator:
        created = operator.post(
            "/v1/agencies", json={"agency_id": agency_id, "name": "Pier Office"}
        ).json()
    server = ExternalAgency(created["webhook_secret"]).start()
    client = httpx.Client(
        base_url=stack.api_url,
        timeout=60,
        headers={"Authorization": f"Bearer {created['api_key']}"},
    )
    yield {**created, "server": server, "client": client}
    client.close()
    server.stop()


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


def test_a_refused_connection_is_retried_until_the_agency_is_back(
    pier: dict[str, Any],
) -> None:
    late = ExternalAgency(pier["webhook_secret"])
    late.port = free_port()
    late.url = f"http://127.0.0.1:{late.port}"
    threading.Timer(1.5, late.start).start()
    try:
        result = try_service(pier, "down", f"{late.url}/{pier['agency_id']}.down", attempts=20)
    finally:
        time.sleep(0.1)
        late.stop()
    assert result["outcome"] == "approved"
    assert len(late.deliveries) == 1 and late.deliveries[0].signature_ok


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
