"""Standard Webhooks signatures (https://www.standardwebhooks.com): what we send is signed, and
what agencies send back must be.

``webhook-signature`` is ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, one per live
secret (space-separated) so an agency can rotate its secret without missing a message.
"""

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

TOLERANCE_SECONDS = 5 * 60


def _mac(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_headers(secrets: list[str], msg_id: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": " ".join(f"v1,{_mac(s, msg_id, timestamp, body)}" for s in secrets),
    }


class SignatureError(Exception):
    """Why a signed request was refused: missing headers, too old, or a bad signature."""


def verify(secrets: list[str], headers: Mapping[str, str], body: bytes) -> str:
    """Check a signed request; its ``webhook-id`` when genuine, else SignatureError."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not msg_id or not timestamp or not signatures:
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError as error:
        raise SignatureError("malformed webhook-timestamp") from error
    if age > TOLERANCE_SECONDS:
        raise SignatureError("webhook-timestamp outside the tolerance")
    offered = {part.split(",", 1)[1] for part in signatures.split() if part.startswith("v1,")}
    for secret in secrets:
        expected = _mac(secret, msg_id, timestamp, body)
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return msg_id
    raise SignatureError("no valid signature")
