"""Callback ids: what an agency is given to report a later decision.

A callback id names the waiting step's workflow and carries an HMAC of it, so ids cannot be
guessed or forged, and the API can route a decision with no lookup table.
"""

import base64
import hashlib
import hmac


def _mac(secret: str, workflow_id: str) -> str:
    digest = hmac.new(secret.encode(), f"callback:{workflow_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:18]).decode().rstrip("=")


def make_callback_id(secret: str, workflow_id: str) -> str:
    encoded = base64.urlsafe_b64encode(workflow_id.encode()).decode().rstrip("=")
    return f"{encoded}.{_mac(secret, workflow_id)}"


def workflow_id_for_callback(secret: str, callback_id: str) -> str | None:
    """The workflow a genuine callback id names, or None for a forged or malformed one."""
    encoded, _, mac = callback_id.partition(".")
    try:
        workflow_id = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not mac or not hmac.compare_digest(mac, _mac(secret, workflow_id)):
        return None
    return workflow_id
