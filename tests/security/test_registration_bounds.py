"""Everything an integrator sets is bounded, and a refusal names the field: an SLA of a few
seconds or ten years, a retry policy Temporal cannot run (a journey then stays running for
ever), or reminders every few seconds (one person once got 314 e-mails in 15 s)."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from core.models import RetrySettings
from core.registry import ServiceRegistration
from simulated_agencies.registrations import demo_services
from tests.support.stack import Stack


def registration(**changes: Any) -> dict[str, Any]:
    return {
        "service_id": "harbour.birth-notice",
        "title": {"en": "Harbour birth notice", "fr": "Avis de naissance"},
        "life_events": ["birth"],
        "fields": ["child.given_name"],
        "delivery": {"mode": "webhook", "url": "https://harbour.example/notices"},
        **changes,
    }


def error_locs(error: ValidationError) -> list[tuple[Any, ...]]:
    return [tuple(e["loc"]) for e in error.errors()]


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        pytest.param({"sla": "PT0S"}, ("sla",), id="sla-zero"),
        pytest.param({"sla": "PT59S"}, ("sla",), id="sla-under-a-minute"),
        pytest.param({"sla": "P366D"}, ("sla",), id="sla-over-a-year"),
        pytest.param({"reminder_every": "PT0S"}, ("reminder_every",), id="reminders-zero"),
        pytest.param({"reminder_every": "PT59M"}, ("reminder_every",), id="reminders-too-often"),
        pytest.param({"reminder_every": "P91D"}, ("reminder_every",), id="reminders-too-rare"),
        pytest.param(
            {"reminder_every": "P10D", "information_deadline": "P5D"},
            ("reminder_every",),
            id="reminders-past-the-deadline",
        ),
        pytest.param(
            {"information_deadline": "PT23H"}, ("information_deadline",), id="deadline-short"
        ),
        pytest.param(
            {"information_deadline": "P366D"}, ("information_deadline",), id="deadline-long"
        ),
        pytest.param(
            {"retry": {"initial_interval_seconds": 60, "maximum_interval_seconds": 30}},
            ("retry", "maximum_interval_seconds"),
            id="initial-above-maximum",
        ),
        pytest.param(
            {"retry": {"initial_interval_seconds": 0.01}},
            ("retry", "initial_interval_seconds"),
            id="initial-too-short",
        ),
        pytest.param(
            {"retry": {"initial_interval_seconds": 3601, "maximum_interval_seconds": 3600}},
            ("retry", "initial_interval_seconds"),
            id="initial-too-long",
        ),
        pytest.param(
            {"retry": {"maximum_interval_seconds": 86400}},
            ("retry", "maximum_interval_seconds"),
            id="maximum-too-long",
        ),
        pytest.param(
            {"retry": {"maximum_attempts": 0}}, ("retry", "maximum_attempts"), id="no-attempt"
        ),
        pytest.param(
            {"retry": {"maximum_attempts": 101}}, ("retry", "maximum_attempts"), id="attempts-101"
        ),
        pytest.param(
            {"retry": {"attempt_timeout_seconds": 0.5}},
            ("retry", "attempt_timeout_seconds"),
            id="attempt-timeout-short",
        ),
        pytest.param(
            {"retry": {"attempt_timeout_seconds": 3601}},
            ("retry", "attempt_timeout_seconds"),
            id="attempt-timeout-long",
        ),
    ],
)
def test_out_of_bounds_settings_are_refused_naming_the_field(
    changes: dict[str, Any], loc: tuple[Any, ...]
) -> None:
    with pytest.raises(ValidationError) as raised:
        ServiceRegistration.model_validate(registration(**changes))
    assert error_locs(raised.value) == [loc], raised.value


def test_the_bounds_themselves_and_the_defaults_are_accepted() -> None:
    low = ServiceRegistration.model_validate(
        registration(
            sla="PT1M",
            reminder_every="PT1H",
            information_deadline="P1D",
            retry={
                "initial_interval_seconds": 0.1,
                "maximum_interval_seconds": 0.1,
                "maximum_attempts": 1,
                "attempt_timeout_seconds": 1,
            },
        )
    )
    assert low.sla == timedelta(minutes=1) and low.reminder_every == timedelta(hours=1)
    high = ServiceRegistration.model_validate(
        registration(
            sla="P365D",
            reminder_every="P90D",
            information_deadline="P365D",
            retry={
                "initial_interval_seconds": 3600,
                "maximum_interval_seconds": 3600,
                "maximum_attempts": 100,
                "attempt_timeout_seconds": 3600,
            },
        )
    )
    assert high.information_deadline == timedelta(days=365)
    defaults = ServiceRegistration.model_validate(registration())
    assert defaults.retry == RetrySettings()
    # A dry run caps the SLA at one hour: that must stay within the bounds.
    assert ServiceRegistration.model_validate(registration(sla="PT1H")).sla == timedelta(hours=1)


def test_the_demo_registrations_stay_within_the_bounds() -> None:
    assert sum(len(services) for services in demo_services("http://x").values()) > 0


def test_the_api_answers_422_naming_the_field(stack: Stack) -> None:
    """Pydantic refuses the body before anything is stored; the API reports the field."""
    body = registration(service_id="health.too-many-reminders", reminder_every="PT0S")
    with httpx.Client(
        base_url=stack.api_url,
        timeout=30,
        headers={"Authorization": f"Bearer {stack.agency_key('health')}"},
    ) as integrator:
        response = integrator.post("/v1/agencies/health/services", json=body)
        assert response.status_code == 422, response.text
        assert ["body", "reminder_every"] in [d["loc"] for d in response.json()["detail"]]
        retry = {"initial_interval_seconds": 60, "maximum_interval_seconds": 1}
        response = integrator.post(
            "/v1/agencies/health/services", json={**body, "reminder_every": "P1D", "retry": retry}
        )
        assert response.status_code == 422, response.text
        locs = [d["loc"] for d in response.json()["detail"]]
        assert ["body", "retry", "maximum_interval_seconds"] in locs
        assert (
            integrator.get("/v1/agencies/health/services/health.too-many-reminders").status_code
            == 404
        )
