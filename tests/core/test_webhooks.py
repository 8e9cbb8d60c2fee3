"""Standard Webhooks signatures, checked against the reference `standardwebhooks` library both
ways: what we sign it verifies, what it signs we verify."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.credentials import new_webhook_secret
from core.webhooks import TOLERANCE_SECONDS, SignatureError, signed_headers, verify

SECRET = new_webhook_secret()
NEXT_SECRET = new_webhook_secret()
BODY = json.dumps({"service_id": "revenue.child-benefit", "data": {"n": 1}}).encode()


def reference_headers(secret: str, msg_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """Headers as the reference library signs them, at a given moment."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode()),
    }


def test_what_we_sign_the_reference_library_verifies() -> None:
    headers = signed_headers([SECRET], "msg-1", BODY)
    assert Webhook(SECRET).verify(BODY, headers) == json.loads(BODY)
    assert abs(int(headers["webhook-timestamp"]) - time.time()) <= 2
    assert verify([SECRET], headers, BODY) == "msg-1"


def test_what_the_reference_library_signs_we_verify() -> None:
    headers = reference_headers(SECRET, "msg-2", BODY, datetime.now(UTC))
    assert verify([SECRET], headers, BODY) == "msg-2"


def test_a_tampered_body_is_refused() -> None:
    headers = signed_headers([SECRET], "msg-3", BODY)
    tampered = BODY.replace(b'"n": 1', b'"n": 2')
    with pytest.raises(SignatureError, match="no valid signature"):
        verify([SECRET], headers, tampered)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(tampered, headers)


def test_a_changed_id_is_refused() -> None:
    headers = {**signed_headers([SECRET], "msg-4", BODY), "webhook-id": "msg-5"}
    with pytest.raises(SignatureError, match="no valid signature"):
        verify([SECRET], headers, BODY)


def test_another_secret_is_refused() -> None:
    headers = signed_headers([SECRET], "msg-6", BODY)
    with pytest.raises(SignatureError, match="no valid signature"):
        verify([NEXT_SECRET], headers, BODY)
    with pytest.raises(SignatureError):
        verify([], headers, BODY)


@pytest.mark.parametrize("skew", [TOLERANCE_SECONDS + 30, -(TOLERANCE_SECONDS + 30)])
def test_a_timestamp_out_of_tolerance_is_refused_though_well_signed(skew: int) -> None:
    at = datetime.now(UTC) - timedelta(seconds=skew)
    headers = reference_headers(SECRET, "msg-7", BODY, at)
    with pytest.raises(SignatureError, match="tolerance"):
        verify([SECRET], headers, BODY)
    # Just inside the tolerance is still fine.
    inside = datetime.now(UTC) - timedelta(seconds=TOLERANCE_SECONDS - 30)
    assert verify([SECRET], reference_headers(SECRET, "msg-7", BODY, inside), BODY) == "msg-7"


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_refused(missing: str) -> None:
    headers = signed_headers([SECRET], "msg-8", BODY)
    del headers[missing]
    with pytest.raises(SignatureError, match="missing"):
        verify([SECRET], headers, BODY)


def test_a_malformed_timestamp_or_signature_is_refused() -> None:
    headers = signed_headers([SECRET], "msg-9", BODY)
    with pytest.raises(SignatureError, match="malformed"):
        verify([SECRET], {**headers, "webhook-timestamp": "yesterday"}, BODY)
    signature = headers["webhook-signature"].removeprefix("v1,")
    with pytest.raises(SignatureError, match="no valid signature"):
        verify([SECRET], {**headers, "webhook-signature": f"v2,{signature}"}, BODY)


def test_during_a_rotation_both_secrets_sign_and_either_verifies() -> None:
    headers = signed_headers([NEXT_SECRET, SECRET], "msg-10", BODY)
    assert len(headers["webhook-signature"].split()) == 2
    for secret in (SECRET, NEXT_SECRET):
        assert verify([secret], headers, BODY) == "msg-10"
        Webhook(secret).verify(BODY, headers)
    # An agency still signing with its old secret is accepted while that secret lives.
    old_only = signed_headers([SECRET], "msg-11", BODY)
    assert verify([NEXT_SECRET, SECRET], old_only, BODY) == "msg-11"
    with pytest.raises(SignatureError):
        verify([NEXT_SECRET], old_only, BODY)
