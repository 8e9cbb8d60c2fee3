"""Malformed input is the client's error (4xx), never the server's (500): bodies that are not
UTF-8 JSON, payloads the codec cannot read, registry events whose data has the wrong shape,
and JSON nested deep enough to exhaust the parser's recursion."""

import base64
import os

import httpx
import pytest
from temporalio.api.common.v1 import Payload

from core.codec import ENCODING, KEY_ID, REFUSED_ENCODING, codec_from_settings
from core.settings import get_settings
from tests.support.stack import OPERATOR_TOKEN, REGISTRY_TOKEN, Stack

OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}", "X-Namespace": "default"}
REGISTRY = {"Authorization": f"Bearer {REGISTRY_TOKEN}"}
DECEASED = {
    "national_id": "567891234",
    "given_name": "Eleanor",
    "family_name": "Brown",
    "birth_date": "1948-09-09",
    "date_of_death": "2026-11-19",
}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _event(data: object, event_id: str) -> dict[str, object]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "urn:registry:vital-statistics",
        "type": "vital-statistics.death.registered",
        "data": data,
    }


# --- The codec server ---------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["encode", "decode"])
@pytest.mark.parametrize(
    "body",
    [
        b'\xff\xfe{"payloads": []}',  # not UTF-8
        b"\x80",
        b"not json",
        b"",
        b"[]",  # JSON, but not an object
        b'"payloads"',
        b'{"payloads": {}}',
        b'{"payloads": [{"data": "%%%"}]}',  # not base64
        b'{"payloads": [{"data": "YQ==YQ=="}]}',
        b'{"payloads": [{"metadata": {"encoding": "!!"}, "data": "YQ=="}]}',
        b'{"payloads": [{"metadata": "x"}]}',
        b'{"payloads": [{"unknown": 1}]}',
    ],
)
def test_the_codec_refuses_bodies_that_are_not_payloads(
    stack: Stack, operation: str, body: bytes
) -> None:
    response = httpx.post(
        f"{stack.api_url}/codec/{operation}",
        content=body,
        headers={**OPERATOR, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_malformed_encrypted_payloads_decode_to_refused_payloads(stack: Stack) -> None:
    codec = codec_from_settings(get_settings())  # the stack's key: the same settings
    nonce = os.urandom(12)
    cipher = codec._ciphers[codec._current]  # noqa: SLF001

    def encrypted(data: bytes, key_id: bytes = codec._current.encode()) -> dict[str, object]:  # noqa: SLF001
        return {"metadata": {"encoding": _b64(ENCODING), KEY_ID: _b64(key_id)}, "data": _b64(data)}

    good = Payload(metadata={"encoding": b"json/plain"}, data=b"{}").SerializeToString()
    payloads = [
        # Authentic, but what it encrypts is not a protobuf Payload.
        encrypted(nonce + cipher.encrypt(nonce, b"\xff\xff\xff", None)),
        encrypted(b"short"),  # shorter than a nonce
        encrypted(b""),
        encrypted(nonce + cipher.encrypt(nonce, good, None), key_id=b"\xff\xfe"),
        {"metadata": {"encoding": _b64(ENCODING)}, "data": _b64(b"\x00" * 40)},
        # The control: a well-formed one still decodes.
        encrypted(nonce + cipher.encrypt(nonce, good, None)),
    ]
    response = httpx.post(
        f"{stack.api_url}/codec/decode", json={"payloads": payloads}, headers=OPERATOR
    )
    assert response.status_code == 200, response.text
    decoded = response.json()["payloads"]
    encodings = [base64.b64decode(p["metadata"]["encoding"]) for p in decoded]
    assert encodings == [REFUSED_ENCODING] * 5 + [b"json/plain"]


def test_a_refused_codec_body_keeps_the_ui_origin_allowed(stack: Stack) -> None:
    response = httpx.post(
        f"{stack.api_url}/codec/decode",
        content=b"\xff" + b"[" * 10_000,
        headers={**OPERATOR, "Origin": "http://127.0.0.1:8233"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"


# --- Registry events ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        ({"deceased": "a string", "next_of_kin": {"email": "k@example.org"}}, ["deceased"]),
        ({"deceased": DECEASED, "next_of_kin": "a string"}, ["next_of_kin"]),
        ({"deceased": DECEASED, "next_of_kin": ["k@example.org"]}, ["next_of_kin"]),
        ({"deceased": DECEASED, "next_of_kin": 7}, ["next_of_kin"]),
        ({"deceased": DECEASED, "next_of_kin": {"email": {"a": 1}}}, ["next_of_kin", "email"]),
        (
            {"deceased": DECEASED, "next_of_kin": {"email": "k@example.org", "language": []}},
            ["next_of_kin", "language"],
        ),
    ],
)
def test_a_registry_event_with_data_of_the_wrong_shape_is_refused_with_its_path(
    stack: Stack, data: dict[str, object], loc: list[str]
) -> None:
    response = httpx.post(
        f"{stack.api_url}/v1/registry-events",
        json=_event(data, f"malformed-{loc}-{os.urandom(4).hex()}"),
        headers=REGISTRY,
    )
    assert response.status_code == 422, response.text
    locs = [d["loc"] for d in response.json()["detail"]]
    assert ["body", "data", *loc] in locs, locs


def test_a_registry_event_whose_data_is_not_an_object_is_refused(stack: Stack) -> None:
    response = httpx.post(
        f"{stack.api_url}/v1/registry-events",
        json=_event("a string", "malformed-data-string"),
        headers=REGISTRY,
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][:2] == ["body", "data"]


# --- Deeply nested JSON, in any body ------------------------------------------------------


def _nested(depth: int, opener: str = "[", closer: str = "]") -> str:
    return opener * depth + closer * depth


def _deep_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize(
    "nested",
    [
        _nested(10_000),
        _deep_object(10_000),
        _deep_object(900),  # parses, but deeper than any data here may be
    ],
    ids=["arrays-10000", "objects-10000", "objects-900"],
)
def test_deeply_nested_json_is_refused_quickly_in_every_body(stack: Stack, nested: str) -> None:
    health = {"Authorization": f"Bearer {stack.agency_key('health')}"}
    requests = [
        (
            "/v1/agencies/health/services/health.child-health-card/dry-run",
            f'{{"data": {{"child": {nested}}}}}',
            health,
        ),
        ("/v1/registry-events", f'{{"specversion": "1.0", "data": {nested}}}', REGISTRY),
        ("/v1/life-events/birth/intakes", f'{{"child": {nested}}}', {}),
        ("/codec/encode", f'{{"payloads": {nested}}}', OPERATOR),
        ("/v1/agencies/health/services", nested, health),
    ]
    for path, body, headers in requests:
        response = httpx.post(
            f"{stack.api_url}{path}",
            content=body.encode(),
            headers={**headers, "Content-Type": "application/json"},
            timeout=10,
        )
        assert response.status_code == 422, (path, response.status_code, response.text[:300])
        assert response.elapsed.total_seconds() < 2, path


def test_json_nested_as_deep_as_real_data_still_passes(stack: Stack) -> None:
    # Strings may hold any number of brackets, escaped quotes included; only structure counts.
    tricky = '[{\\"\\\\' * 200
    body = f'{{"payloads": [{{"metadata": {{"{tricky}": "YQ=="}}, "data": "e30="}}]}}'
    response = httpx.post(
        f"{stack.api_url}/codec/encode",
        content=body.encode(),
        headers={**OPERATOR, "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    nested = '{"payloads": ' + "[" * 30 + "]" * 30 + "}"
    response = httpx.post(
        f"{stack.api_url}/codec/encode",
        content=nested.encode(),
        headers={**OPERATOR, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text  # not payloads, but not too deep either
    assert "deep" not in response.text


def test_the_body_size_limit_still_answers_413(stack: Stack) -> None:
    settings = get_settings()
    response = httpx.post(
        f"{stack.api_url}/v1/life-events/birth/intakes",
        content=b'{"child": "' + b"x" * settings.max_body_bytes + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text


# --- Signed ids that are not ASCII --------------------------------------------------------


def test_a_forged_callback_id_with_non_ascii_characters_is_unknown(stack: Stack) -> None:
    response = httpx.post(
        f"{stack.api_url}/v1/agency-callbacks/.%C2%91", json={"decision": "approved"}
    )
    assert response.status_code == 404, response.text
