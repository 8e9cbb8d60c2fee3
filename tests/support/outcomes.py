"""Hand-built ``JourneyOutcome`` and ``FeedbackResponse`` rows for the reports' tests."""

from datetime import date
from typing import Any

from core.tables import FeedbackResponse, JourneyOutcome


def outcome_row(n: int = 0, **fields: Any) -> JourneyOutcome:
    values: dict[str, Any] = {
        "journey_ref": f"outcome-{n}",
        "life_event": "birth",
        "state": "completed",
        "started_on": date(2026, 11, 20),
        "ended_on": date(2026, 11, 21),
        "seconds_to_outcome": 3600,
        "language": "en",
        "channel": "web",
        "region": None,
        "facts_told": 12,
        "facts_received": 20,
        "services_reached": 4,
        "agencies_reached": 4,
        "contacts_avoided": 5,
        "documents_not_asked": 2,
        "minutes_saved": 150,
    }
    return JourneyOutcome(**(values | fields))


def feedback_row(n: int = 0, **fields: Any) -> FeedbackResponse:
    values: dict[str, Any] = {
        "journey_ref": f"ref-{n}",
        "life_event": "birth",
        "services": ["civil-registry.birth"],
        "channel": "web",
        "language": "en",
        "submitted_on": date(2026, 11, 20),
        "satisfaction": 4,
    }
    return FeedbackResponse(**(values | fields))
