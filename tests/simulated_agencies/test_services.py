"""The simulated agencies' rules (services.yaml) decide the new life events as their reasons say:
the demo intakes meet every rule, and a person outside a rule is told why, in their language."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from activities.eligibility import evaluate
from core.fields import get_path
from core.models import EligibilityInput, EligibilityResult
from core.redaction import redact_text
from simulated_agencies.demo import intake_for
from simulated_agencies.registrations import registration, simulated


def decide(service_id: str, intake: dict[str, Any], language: str = "en") -> EligibilityResult:
    service = simulated().service(service_id)
    assert service is not None
    rules = registration(service, "http://agencies.test").eligibility
    return evaluate(
        EligibilityInput(
            journey_id="journey-1",
            service_id=service_id,
            rules=rules,
            intake=intake,
            as_of=datetime.now(UTC),
            language=language,
        )
    )


def changed(life_event: str, part: str, **values: Any) -> dict[str, Any]:
    intake = intake_for(life_event, "person@example.org")
    intake[part] = {**intake.get(part, {}), **values}
    return intake


@pytest.mark.parametrize("life_event", ["leaving-military-service", "disaster-recovery"])
def test_the_demo_intake_meets_every_rule(life_event: str) -> None:
    intake = intake_for(life_event, "person@example.org")
    for service in simulated().services:
        if life_event in service.life_events:
            assert decide(service.service_id, intake).eligible, service.service_id


def test_military_rules() -> None:
    misconduct = changed(
        "leaving-military-service", "military_service", release_reason="misconduct"
    )
    assert decide("veterans.transition-benefits", misconduct, "fr").reasons == [
        "Les avantages de transition suivent une libération honorable."
    ]
    short = changed("leaving-military-service", "military_service", years_of_service=1)
    assert decide("veterans.transition-benefits", short).reasons == [
        "It takes 6 years of service, or a condition related to service."
    ]
    assert decide("pension.military-pension", short).reasons == [
        "A military pension takes at least 2 years of pensionable service."
    ]
    injured = changed(
        "leaving-military-service",
        "military_service",
        years_of_service=1,
        service_related_condition=True,
    )
    assert decide("veterans.transition-benefits", injured).eligible


def test_disaster_rules() -> None:
    late = changed(
        "disaster-recovery", "disaster", date=(date.today() - timedelta(days=91)).isoformat()
    )
    assert decide("emergency-management.emergency-assistance", late).reasons == [
        "Emergency assistance is asked for within 90 days of the disaster."
    ]
    livable = changed("disaster-recovery", "home", damage="damaged", evacuated=False)
    assert not decide("emergency-management.emergency-assistance", livable).eligible
    assert decide("housing.temporary-housing", livable).reasons == [
        "Temporary housing is for a home that cannot be lived in."
    ]
    evacuated = changed("disaster-recovery", "home", damage="damaged", evacuated=True)
    assert decide("emergency-management.emergency-assistance", evacuated).eligible
    nothing_lost = changed("disaster-recovery", "lost_documents", passport=False)
    del nothing_lost["lost_documents"]["birth_certificate"]
    assert decide("passport.replacement", nothing_lost).reasons == [
        "No lost passport was reported."
    ]
    assert not decide("vital-statistics.certificate-replacement", nothing_lost).eligible


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_message_echoes_what_its_agency_is_sent(language: str) -> None:
    """The orchestrator redacts every string an agency was sent from its words (core.
    redaction): the demo messages must not echo one, so they read whole in the demo journeys."""
    for service in simulated().services:
        for life_event in service.life_events:
            intake = intake_for(life_event, "person@example.org")
            intake["contact"]["language"] = language
            sent = {path: get_path(intake, path) for path in service.fields}
            for message in (service.message, service.ask_message):
                if message:
                    assert redact_text(message, [sent]) == message, (service.service_id, message)
