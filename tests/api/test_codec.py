"""The codec server: operators decrypt what the Temporal UI and CLI show; nobody else can."""

import base64
import json

import httpx

from tests.support.history import payload_bytes, show
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
    history = json.loads(show(stack.env["TEMPORAL_ADDRESS"], journey_id))
    started = history["events"][0]["workflowExecutionStartedEventAttributes"]["input"]
    decoded = httpx.post(f"{stack.api_url}/codec/decode", json=started, headers=OPERATOR)
    data = base64.b64decode(decoded.json()["payloads"][0]["data"])
    assert b"codec-reader@example.org" in data


def test_the_temporal_cli_decodes_through_it_with_an_operator_token(stack: Stack) -> None:
    journey_id = stack.submit(birth_intake(email="cli-codec@example.org"))
    stack.wait_until_done(journey_id)
    address, codec = stack.env["TEMPORAL_ADDRESS"], f"{stack.api_url}/codec"
    without = show(address, journey_id, "--codec-endpoint", codec, check=False)
    assert b"cli-codec@example.org" not in payload_bytes(without)
    decoded = show(
        address, journey_id, "--codec-endpoint", codec, "--codec-auth", f"Bearer {OPERATOR_TOKEN}"
    )
    assert b"cli-codec@example.org" in payload_bytes(decoded)
