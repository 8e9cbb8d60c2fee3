"""The time-tax meter's arithmetic, on plans and statuses built by hand."""

from datetime import UTC, datetime, timedelta
from typing import Any

from core.models import (
    CitizenRequest,
    JourneyPlan,
    JourneyStatus,
    LocalizedText,
    ServiceBurden,
    ServicePlan,
    StepStatus,
    WebhookDelivery,
)
from core.time_tax import ASSUMPTION, facts_told, meter, region

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
INTAKE: dict[str, Any] = {
    "informant": {"national_id": "1", "given_name": "A", "family_name": "B", "birth_date": "x"},
    "child": {"given_name": "C", "family_name": "B", "birth_date": "y", "sex": "F"},
    "contact": {"email": "a@example.org", "language": "fr"},
    "services": ["a", "b"],
    "consents": {"a": True},
}


def service(service_id: str, agency: str, fields: int, burden: ServiceBurden | None) -> ServicePlan:
    return ServicePlan(
        service_id=service_id,
        agency_id=agency,
        agency_name=agency,
        title=LocalizedText(en=service_id, fr=service_id),
        registration_version=1,
        fields=[f"child.field{n}" for n in range(fields)],
        delivery=WebhookDelivery(url="http://127.0.0.1:9/"),
        sla=timedelta(days=5),
        burden=burden,
    )


def step(service_id: str, state: str, outcome: str | None, hours: float, **more: Any) -> StepStatus:
    return StepStatus.model_validate(
        {
            "id": service_id,
            "kind": "agency_service",
            "state": state,
            "outcome": outcome,
            "updated_at": START + timedelta(hours=hours),
            **more,
        }
    )


def journey(
    services: list[ServicePlan], steps: list[StepStatus], **status: Any
) -> tuple[JourneyPlan, JourneyStatus]:
    plan = JourneyPlan(
        journey_id="j",
        life_event="birth",
        definition_version=1,
        language="en",
        intake=INTAKE,
        services=services,
        callback_base_url="http://127.0.0.1:8000",
    )
    identity = StepStatus(id="identity", kind="identity", state="completed", updated_at=START)
    return plan, JourneyStatus(
        journey_id="j", life_event="birth", started_at=START, steps=[identity, *steps], **status
    )


def test_facts_count_the_answers_not_the_choices() -> None:
    # 4 + 4 + 1 answers; the services chosen, the consents and the language are not facts.
    assert facts_told(INTAKE) == 9
    assert facts_told({"a": None, "b": [1, 2], "c": {"d": 0}}) == 1


def test_contacts_and_minutes_by_the_omb_burden_method() -> None:
    plan, status = journey(
        [
            service("vital.birth", "vital", 3, ServiceBurden(minutes_per_contact=30, contacts=2)),
            service("revenue.benefit", "revenue", 2, ServiceBurden(minutes_per_contact=45)),
            service("health.card", "health", 4, ServiceBurden(minutes_per_contact=20, documents=2)),
        ],
        [
            step("vital.birth", "completed", "approved", 2),
            step("revenue.benefit", "completed", "rejected", 30.5),
            step("health.card", "completed", "approved", 1, reference="H-1"),
        ],
        completed_at=START + timedelta(days=2),
        state="completed_with_issues",
    )
    tax = meter(plan, status)
    assert (tax.facts_told, tax.facts_received) == (9, 3 + 2 + 4)
    assert (tax.services_reached, tax.agencies_reached) == (3, 3)
    # 2 + 1 + 1 contacts, less the one the person made.
    assert tax.contacts_avoided == 3
    # 2×30 + 45 + 20, less the costliest contact (45): the one the person made.
    assert tax.minutes_saved == 60 + 45 + 20 - 45
    assert tax.documents_not_asked == 2
    assert tax.services_without_burden == 0
    assert [(d.service_id, d.outcome, d.seconds) for d in tax.decisions] == [
        ("vital.birth", "approved", 2 * 3600),
        ("revenue.benefit", "rejected", 30 * 3600 + 1800),
        ("health.card", "approved", 3600),
    ]
    assert tax.seconds_to_end == 2 * 86400
    assert tax.assumption == ASSUMPTION and "OMB" in ASSUMPTION


def test_only_agencies_that_received_the_data_count() -> None:
    burden = ServiceBurden(minutes_per_contact=30, contacts=1, documents=1)
    plan, status = journey(
        [
            service("a.waiting", "a", 2, burden),
            service("a.asked", "a", 1, None),
            service("b.refused", "b", 5, burden),
            service("c.not-chosen", "c", 5, burden),
            service("d.pending", "d", 5, burden),
            service("e.withdrawn", "e", 1, None),
        ],
        [
            step("a.waiting", "waiting_for_agency", None, 1),
            step("a.asked", "waiting_for_citizen", None, 1),
            step("b.refused", "skipped", "consent_refused", 1),
            step("c.not-chosen", "skipped", "not_chosen", 1),
            step("d.pending", "waiting_for_citizen", None, 1),  # waiting on a consent
            step("e.withdrawn", "cancelled", "approved", 1, compensations=["withdrawn"]),
        ],
        requests=[
            CitizenRequest(id="r", kind="information", step_id="a.asked", created_at=START),
            CitizenRequest(id="c", kind="consent", step_id="d.pending", created_at=START),
        ],
    )
    tax = meter(plan, status)
    assert tax.services_reached == 3
    assert tax.agencies_reached == 2  # a twice, and e
    assert tax.facts_received == 2 + 1 + 1
    assert tax.contacts_avoided == 2
    # One service with a figure: its one contact is the one the person made.
    assert (tax.minutes_saved, tax.services_without_burden) == (0, 2)
    assert tax.documents_not_asked == 1
    assert [d.service_id for d in tax.decisions] == ["e.withdrawn"]
    assert tax.seconds_to_end is None


def test_no_burden_figure_no_minutes_and_nothing_reached_nothing_avoided() -> None:
    plan, status = journey(
        [service("a.one", "a", 2, None)], [step("a.one", "failed", "submission_failed", 1)]
    )
    tax = meter(plan, status)
    assert (tax.services_reached, tax.contacts_avoided, tax.minutes_saved) == (0, 0, None)
    plan, status = journey(
        [service("a.one", "a", 2, None)], [step("a.one", "completed", "approved", 1)]
    )
    assert (meter(plan, status).contacts_avoided, meter(plan, status).minutes_saved) == (0, None)


def test_a_region_is_a_province_and_nothing_finer() -> None:
    assert region(INTAKE) is None
    moving = {
        "new_address": {"street": "1 Main", "city": "X", "province": "QC", "postal_code": "H"}
    }
    assert region({**INTAKE, **moving}) == "QC"
