"""A dry run reports what happened, never what an agency wrote: the decision's fields, the HTTP
status (or the kind of failure) and the time taken, but not the body of an error (else a dry
run reads any URL's answer: a port scanner). And webhooks to cloud metadata or private
addresses are refused at registration (the test stack allows loopback only)."""

import socket
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.support.stack import Stack

BANNER = "SSH-2.0-OpenSSH_9.6 internal-admin-console token=s3cr3t"


class _Talkative(BaseHTTPRequestHandler):
    """Answers every POST with its path's status and a body that must not come back."""

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = int(self.path.rsplit("/", 1)[-1])
        body = (
            '{"decision": "approved", "reference": "R-1", "message": "Fine."}'
            if status == 200
            else f'{{"message": "{BANNER}", "detail": "{BANNER}"}}'
            if status == 400
            else f"<html>{BANNER}</html>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def talkative() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Talkative)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def integrator(stack: Stack) -> Iterator[tuple[str, httpx.Client]]:
    agency_id = f"probe-{uuid.uuid4().hex[:6]}"
    with stack.operator() as operator:
        created = operator.post("/v1/agencies", json={"agency_id": agency_id, "name": "Probe"})
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['api_key']}"}
    with httpx.Client(base_url=stack.api_url, timeout=90, headers=headers) as client:
        yield agency_id, client


def registration(service_id: str, url: str) -> dict[str, Any]:
    return {
        "service_id": service_id,
        "title": {"en": "Probe", "fr": "Sonde"},
        "life_events": ["birth"],
        "fields": ["child.given_name"],
        "delivery": {"mode": "webhook", "url": url},
        "sla": "PT1H",
        "retry": {
            "initial_interval_seconds": 0.2,
            "maximum_interval_seconds": 0.5,
            "maximum_attempts": 2,
            "attempt_timeout_seconds": 2,
        },
    }


def dry_run(client: httpx.Client, agency_id: str, name: str, url: str) -> dict[str, Any]:
    service_id = f"{agency_id}.{name}"
    created = client.post(f"/v1/agencies/{agency_id}/services", json=registration(service_id, url))
    assert created.status_code == 201, created.text
    tried = client.post(
        f"/v1/agencies/{agency_id}/services/{service_id}/dry-run", json={"timeout_seconds": 60}
    )
    assert tried.status_code == 200, tried.text
    result: dict[str, Any] = tried.json()
    return result


@pytest.mark.parametrize(
    ("status", "failure", "reason"),
    [
        (400, "rejected", "The agency refused the request (400)."),
        (404, "rejected", "The agency refused the request (404)."),
        (503, "unavailable", "The agency was unavailable (503)."),
        (200, None, None),
    ],
)
def test_a_dry_run_reports_the_status_and_the_time_never_the_body(
    integrator: tuple[str, httpx.Client],
    talkative: str,
    status: int,
    failure: str | None,
    reason: str | None,
) -> None:
    agency_id, client = integrator
    result = dry_run(client, agency_id, f"answers-{status}", f"{talkative}/{status}")
    assert "SSH-2.0" not in str(result) and "s3cr3t" not in str(result)
    sent = result["exchanges"][0]["sent"]
    assert sent["data"] == {"child": {"given_name": "Synthetic"}}
    last = result["exchanges"][-1]
    if failure is None:
        received = last["received"]
        assert received["status"] == 200 and isinstance(received["elapsed_ms"], int)
        assert received["decision"]["decision"] == "approved"
        assert received["decision"]["reference"] == "R-1"
        assert result["outcome"] == "approved"
        return
    assert result["reasons"] == [reason]
    failed = last["failed"]
    assert (failed["failure"], failed["status"]) == (failure, status)
    assert isinstance(failed["elapsed_ms"], int) and failed["elapsed_ms"] >= 0


def test_a_refused_connection_is_reported_as_such(integrator: tuple[str, httpx.Client]) -> None:
    agency_id, client = integrator
    result = dry_run(client, agency_id, "closed-port", f"http://127.0.0.1:{closed_port()}/x")
    failed = result["exchanges"][-1]["failed"]
    assert (failed["failure"], failed["status"]) == ("refused", None)
    assert result["reasons"] == ["The agency could not be reached (refused)."]


def closed_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://10.0.0.1/hook",
    ],
)
def test_webhooks_to_metadata_or_private_addresses_are_refused(
    integrator: tuple[str, httpx.Client], url: str
) -> None:
    agency_id, client = integrator
    body = registration(f"{agency_id}.x{uuid.uuid4().hex[:6]}", url)
    refused = client.post(f"/v1/agencies/{agency_id}/services", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "delivery", "url"]
    assert "not allowed" in refused.json()["detail"][0]["msg"]
