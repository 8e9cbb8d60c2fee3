"""Journey-scoped citizen tokens: what the person gets at intake (or in the offer of a proactive
journey) to follow and act on that one journey, and nothing else."""

import base64
import hashlib
import hmac

PREFIX = "jt_"


def _mac(secret: str, journey_id: str) -> str:
    digest = hmac.new(secret.encode(), f"journey:{journey_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def journey_token(secret: str, journey_id: str) -> str:
    encoded = base64.urlsafe_b64encode(journey_id.encode()).decode().rstrip("=")
    return f"{PREFIX}{encoded}.{_mac(secret, journey_id)}"


def journey_of(secret: str, token: str) -> str | None:
    """The journey a genuine token opens, or None."""
    if not token.startswith(PREFIX):
        return None
    encoded, _, mac = token.removeprefix(PREFIX).partition(".")
    try:
        journey_id = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return journey_id if mac and hmac.compare_digest(mac, _mac(secret, journey_id)) else None
