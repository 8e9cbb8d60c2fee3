"""Callback ids: what an agency is given to report a later decision.

A callback id names the waiting step's workflow and which of its submissions it answers, and
carries an HMAC of both, so ids cannot be guessed or forged, and the API can route a decision
with no lookup table.
"""

import base64
import hashlib
import hmac


def _mac(secret: str, target: str) -> str:
    digest = hmac.new(secret.encode(), f"callback:{target}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:18]).decode().rstrip("=")


def make_callback_id(secret: str, workflow_id: str, round_: int = 1) -> str:
    target = f"{workflow_id}#{round_}"
    encoded = base64.urlsafe_b64encode(target.encode()).decode().rstrip("=")
    return f"{encoded}.{_mac(secret, target)}"


def resolve_callback(secret: str, callback_id: str) -> tuple[str, int] | None:
    """The workflow and submission round a genuine callback id names; None if forged."""
    encoded, _, mac = callback_id.partition(".")
    try:
        target = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not mac or not hmac.compare_digest(mac, _mac(secret, target)):
        return None
    workflow_id, _, round_ = target.rpartition("#")
    if not workflow_id or not round_.isdigit():
        return None
    return workflow_id, int(round_)
