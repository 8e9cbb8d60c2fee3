"""The codec server: operators decrypt what the Temporal UI and CLI show; nobody else can."""

import base64
import json
import subprocess

import httpx

from lifeevents.temporal import temporal_cli_path
from tests.support.stack import OPERATOR_TOKEN, Stack, birth_intake

PLAIN = {
    "payloads": [
        {
            "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
            "data": base64.b64encode(b'{"secret": "shh"}').decode(),
        }
    ]
}
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}", "X-Namespace": "default"}


def test_operators_round_trip_payloads(stack: Stack) -> None:
    encoded = httpx.post(f"{stack.api_url}/codec/encode", json=PLAIN, headers=OPERATOR)
    assert encoded.status_code == 200, encoded.text
    payload = encoded.json()["payloads"][0]
    assert base64.b64decode(payload["metadata"]["encoding"]) == b"binary/encrypted"
    assert b"shh" not in base64.b64decode(payload["data"])
    decoded = httpx.post(f"{stack.api_url}/codec/decode", json=encoded.json(), headers=OPERATOR)
    assert decoded.json() == PLAIN


def test_nobody_else_decodes(stack: Stack) -> None:
    url = f"{stack.api_url}/codec/decode"
    assert httpx.post(url, json=PLAIN).status_code == 401
    assert httpx.post(url, json=PLAIN, headers={"Authorization": "Bearer nope"}).status_code == 401
    # An origin alone opens nothing unless the deployment trusts its local UI (dev stack only).
    assert (
        httpx.post(url, json=PLAIN, headers={"Origin": "http://127.0.0.1:8233"}).status_code == 401
    )
    other = {**OPERATOR, "X-Namespace": "someone-else"}
    assert httpx.post(url, json=PLAIN, headers=other).status_code == 404


def test_the_ui_origin_may_call_it_from_a_browser(stack: Stack) -> None:
    preflight = httpx.options(
        f"{stack.api_url}/codec/decode",
        headers={
            "Origin": "http://127.0.0.1:8233",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"
    assert "x-namespace" in preflight.headers["access-control-allow-headers"].lower()


def test_an_operator_reads_a_real_history_through_it(stack: Stack) -> None:
    journey_id = stack.submit(birth_intake(email="codec-reader@example.org"))
    stack.wait_until_done(journey_id)
    history = json.loads(
        subprocess.run(
            [
                str(temporal_cli_path()),
                "workflow",
                "show",
                "--workflow-id",
                journey_id,
                "--address",
                stack.env["TEMPORAL_ADDRESS"],
                "--output",
                "json",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    started = history["events"][0]["workflowExecutionStartedEventAttributes"]["input"]
    decoded = httpx.post(f"{stack.api_url}/codec/decode", json=started, headers=OPERATOR)
    data = base64.b64decode(decoded.json()["payloads"][0]["data"])
    assert b"codec-reader@example.org" in data


def test_the_temporal_cli_decodes_through_it_with_an_operator_token(stack: Stack) -> None:
    journey_id = stack.submit(birth_intake(email="cli-codec@example.org"))
    stack.wait_until_done(journey_id)
    command = [
        str(temporal_cli_path()),
        "workflow",
        "show",
        "--workflow-id",
        journey_id,
        "--address",
        stack.env["TEMPORAL_ADDRESS"],
        "--output",
        "json",
        "--codec-endpoint",
        f"{stack.api_url}/codec",
    ]
    without = subprocess.run(command, capture_output=True, text=True)
    assert b"cli-codec@example.org" not in _payload_data(without.stdout)
    decoded = subprocess.run(
        [*command, "--codec-auth", f"Bearer {OPERATOR_TOKEN}"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert b"cli-codec@example.org" in _payload_data(decoded.stdout)


def _payload_data(output: str) -> bytes:
    """Every payload's data in a `temporal workflow show --output json`, decoded, joined."""
    found: list[bytes] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("data"), str) and "metadata" in node:
                found.append(base64.b64decode(node["data"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    if output.strip():
        walk(json.loads(output))
    return b"\n".join(found)
