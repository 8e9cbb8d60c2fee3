"""Nothing personal reaches Temporal in clear: the raw history, read with the `temporal` CLI
(which has no key), holds none of a journey's personal values."""

import base64
import json

from simulated_agencies.demo import PRIYA
from tests.support.history import payload_bytes, payloads, show
from tests.support.stack import Stack, birth_intake

PERSON = PRIYA.identity()


def test_the_raw_history_holds_no_personal_value(stack: Stack) -> None:
    email = "priya.encrypted@example.org"
    body = birth_intake(email=email, informant=PERSON, child_given_name="Quillon")
    journey_id = stack.submit(body)
    stack.wait_until_done(journey_id)

    outputs = [
        show(stack.env["TEMPORAL_ADDRESS"], workflow_id)
        for workflow_id in (journey_id, f"{journey_id}/revenue.child-benefit")
    ]
    data = b"\n".join(payload_bytes(output) for output in outputs)
    assert data, "no payload found in the history"
    for value in [*PERSON.values(), email, "Quillon"]:
        assert value not in "".join(outputs)
        assert value.encode() not in data, value
    # Every payload is encrypted, but search attributes (indexed, never encrypted by Temporal:
    # codes only) and the SDK's own patch markers.
    skip = ("searchAttributes", "markerRecordedEventAttributes")
    encodings = {
        base64.b64decode(p["metadata"]["encoding"])
        for output in outputs
        for p in payloads(json.loads(output), skip)
    }
    # Encrypted, and the larger ones compressed first.
    assert encodings == {b"binary/encrypted", b"binary/encrypted-zlib"}
    # The status the journey keeps in its memo for the API is among them.
    assert '"upsertedMemo"' in outputs[0]
