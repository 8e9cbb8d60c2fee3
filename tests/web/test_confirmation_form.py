"""A proactive offer's confirmation read back from the journey page's form."""

from datetime import UTC, datetime

from core.catalog import get_catalog
from core.models import Confirmation, JourneyStatus, StepStatus
from web.confirmation_form import confirmation_form, read_confirmation

NOW = datetime(2026, 11, 26, tzinfo=UTC)
ANSWERS = {
    "informant.national_id": "456789123",
    "informant.given_name": "Marc",
    "informant.family_name": "Gagnon",
    "informant.birth_date-day": "20",
    "informant.birth_date-month": "1",
    "informant.birth_date-year": "1958",
    "informant.relationship": "spouse",
}


def _status() -> JourneyStatus:
    steps = [
        StepStatus(id="pension.stop-payments", kind="agency_service", updated_at=NOW),
        StepStatus(
            id="pension.survivor-benefit",
            kind="agency_service",
            updated_at=NOW,
            needs=["pension.stop-payments"],
        ),
    ]
    return JourneyStatus(journey_id="j", life_event="death", started_at=NOW, steps=steps)


def _read(values: dict[str, str], chosen: list[str], consents: list[str]) -> object:
    definition = get_catalog()["death"]
    form = confirmation_form(definition, _status(), "en", lambda text: text)
    assert form is not None
    return read_confirmation(definition, form, values, chosen, consents, lambda text: text)


def test_a_complete_form_makes_the_confirmation() -> None:
    confirmation = _read(ANSWERS, ["pension.stop-payments", "unknown"], ["pension.stop-payments"])
    assert confirmation == Confirmation(
        informant={
            "national_id": "456789123",
            "given_name": "Marc",
            "family_name": "Gagnon",
            "birth_date": "1958-01-20",
            "relationship": "spouse",
        },
        services=["pension.stop-payments"],
        consents=["pension.stop-payments"],
    )


def test_each_wrong_answer_has_its_message() -> None:
    errors = _read({**ANSWERS, "informant.national_id": "12"}, [], [])
    assert errors == {
        "informant.national_id": "Enter national id in the correct format",
        "services": "Select at least one service",
    }
    needs = _read(ANSWERS, ["pension.survivor-benefit"], [])
    assert needs == {
        "services": "pension.survivor-benefit needs pension.stop-payments: select it too"
    }
