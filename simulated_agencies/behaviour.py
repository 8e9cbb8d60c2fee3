"""How a simulated agency answers a submission, whichever way it was reached."""

import hashlib
from typing import Any

from simulated_agencies.registrations import SimulatedService


def reference(prefix: str, key: str) -> str:
    return f"{prefix}-{hashlib.sha256(key.encode()).hexdigest()[:10].upper()}"


def decide(service: SimulatedService, body: dict[str, Any], key: str) -> dict[str, Any]:
    """The decision this agency reaches on a submission (first round may ask for more)."""
    missing = [item for item in service.asks if item not in body.get("information", {})]
    if service.behaviour == "ask" and missing:
        return {
            "decision": "needs_information",
            "requested": missing,
            "message": service.ask_message,
        }
    return {
        "decision": "approved",
        "reference": reference(service.reference, key.split("/submit")[0]),
        "message": service.message,
    }
