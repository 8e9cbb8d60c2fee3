"""Nothing personal reaches Temporal in clear: the raw history, read with the `temporal` CLI
(which has no key), holds none of a journey's personal values."""

import base64
import json
import subprocess
from typing import Any

from lifeevents.temporal import temporal_cli_path
from tests.support.stack import Stack, birth_intake

PERSON = {
    "national_id": "345678912",
    "given_name": "Priya",
    "family_name": "Patel",
    "birth_date": "1979-06-30",
}


def _payload_bytes(node: Any) -> list[bytes]:
    """Every payload's data in a history, base64-decoded."""
    found: list[bytes] = []
    if isinstance(node, dict):
        if "data" in node and "metadata" in node and isinstance(node["data"], str):
            found.append(base64.b64decode(node["data"]))
        for value in node.values():
            found += _payload_bytes(value)
    elif isinstance(node, list):
        for value in node:
            found += _payload_bytes(value)
    return found


def test_the_raw_history_holds_no_personal_value(stack: Stack) -> None:
    email = "priya.encrypted@example.org"
    body = birth_intake(email=email, informant=PERSON, child_given_name="Quillon")
    journey_id = stack.submit(body)
    stack.wait_until_done(journey_id)

    histories = []
    for workflow_id in (journey_id, f"{journey_id}/revenue.child-benefit"):
        out = subprocess.run(
            [
                str(temporal_cli_path()),
                "workflow",
                "show",
                "--workflow-id",
                workflow_id,
                "--address",
                stack.env["TEMPORAL_ADDRESS"],
                "--output",
                "json",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        histories.append(json.loads(out))
    raw = json.dumps(histories)
    payloads = _payload_bytes(histories)
    assert payloads, "no payload found in the history"
    for value in [*PERSON.values(), email, "Quillon"]:
        assert value not in raw
        assert all(value.encode() not in data for data in payloads), value
    encodings = {
        base64.b64decode(meta["encoding"]) for meta in _metadata(histories) if "encoding" in meta
    }
    assert encodings == {b"binary/encrypted"}


def _metadata(node: Any) -> list[dict[str, str]]:
    """Payload metadata, except search attributes (indexed, never encrypted: codes only) and
    the SDK's own patch markers."""
    found: list[dict[str, str]] = []
    if isinstance(node, dict):
        if isinstance(node.get("metadata"), dict) and "data" in node:
            found.append(node["metadata"])
        for key, value in node.items():
            if key not in ("searchAttributes", "markerRecordedEventAttributes"):
                found += _metadata(value)
    elif isinstance(node, list):
        for value in node:
            found += _metadata(value)
    return found
