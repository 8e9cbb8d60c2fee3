"""Resolving a plan at intake: the life event's bundle as registered, narrowed by the person's
choices, with their consents and the legal deadlines pinned."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from core.catalog import get_catalog
from core.models import JourneyPlan, LocalizedText, ProactiveOffer, ServicePlan
from core.plans import resolve_plan
from core.registry import RegistryError, ServiceRegistration, upsert_service
from core.settings import Settings
from core.tables import AgencyService
from simulated_agencies.demo import intake_for
from simulated_agencies.seed import seed_demo_data

CALLBACKS = "https://orchestrator.test"


@pytest.fixture
def seeded(session: Session) -> Session:
    seed_demo_data(session, Settings(agencies_base_url="http://agencies.test"))
    return session


def plan(
    session: Session, life_event: str, offer: ProactiveOffer | None = None, **choices: Any
) -> JourneyPlan:
    return resolve_plan(
        session=session,
        definition=get_catalog()[life_event],
        intake={**intake_for(life_event, "person@example.org"), **choices},
        journey_id="journey-1",
        callback_base_url=CALLBACKS,
        offer=offer,
    )


def ids(journey: JourneyPlan) -> list[str]:
    return [service.service_id for service in journey.services]


def test_by_default_every_non_optional_service_is_planned(seeded: Session) -> None:
    death = plan(seeded, "death")
    assert ids(death) == [
        "pension.stop-payments",
        "tax.final-return",
        "passport.cancel",
        "driving.cancel-licence",
        "health.end-coverage",
    ]
    assert (death.journey_id, death.life_event, death.language) == ("journey-1", "death", "en")
    assert death.callback_base_url == CALLBACKS and death.proactive is None
    assert death.definition_version == get_catalog()["death"].version
    assert ids(plan(seeded, "change-of-address")) == [
        "tax.address",
        "health.address",
        "driving.address",
    ]


def test_a_service_plan_pins_the_registration_and_the_definition(seeded: Session) -> None:
    benefit = next(s for s in plan(seeded, "birth").services if s.service_id.startswith("revenue"))
    assert (benefit.agency_id, benefit.registration_version) == ("revenue", 1)
    assert benefit.needs == ["vital-statistics.birth-registration"]
    assert benefit.purpose is not None and benefit.purpose.en == "Assess and pay the child benefit"
    assert benefit.payment is not None and benefit.payment.amount_cents == 64875


def test_the_person_chooses_services_planned_in_the_bundle_order(seeded: Session) -> None:
    chosen = ["passport.name-change", "vital-statistics.marriage-registration"]
    assert ids(plan(seeded, "marriage", services=chosen)) == [
        "vital-statistics.marriage-registration",
        "passport.name-change",
    ]


def test_an_unknown_service_is_refused_at_its_place(seeded: Session) -> None:
    chosen = ["vital-statistics.birth-registration", "passport.renewal"]
    with pytest.raises(RegistryError) as refused:
        plan(seeded, "birth", services=chosen)
    assert refused.value.loc == ("services", 1)
    assert "'passport.renewal' is not a service of the 'birth' life event" in refused.value.message


def test_a_service_whose_need_is_not_chosen_is_refused(seeded: Session) -> None:
    with pytest.raises(RegistryError) as refused:
        plan(seeded, "birth", services=["health.child-health-card", "revenue.child-benefit"])
    assert refused.value.loc == ("services", 1)
    assert "needs 'vital-statistics.birth-registration'" in refused.value.message
    chosen = ["revenue.child-benefit", "vital-statistics.birth-registration"]
    assert ids(plan(seeded, "birth", services=chosen)) == [
        "vital-statistics.birth-registration",
        "revenue.child-benefit",
    ]


def test_no_service_at_all_is_refused(seeded: Session) -> None:
    with pytest.raises(RegistryError) as refused:
        plan(seeded, "birth", services=[])
    assert refused.value.loc == ("services",)


def test_a_life_event_nobody_has_registered_for_has_no_plan(session: Session) -> None:
    with pytest.raises(RegistryError) as refused:
        plan(session, "birth")
    assert refused.value.loc == ("services",)
    assert "no service is available" in refused.value.message


def test_consents_given_at_intake_are_pinned(seeded: Session) -> None:
    consents = ["revenue.child-benefit", "health.child-health-card"]
    birth = plan(seeded, "birth", consents=consents)
    assert {s.service_id: s.consent for s in birth.services} == {
        "vital-statistics.birth-registration": None,
        "revenue.child-benefit": True,
        "social-insurance.child-number": None,
        "health.child-health-card": True,
    }


def test_a_deadline_counts_from_its_intake_field(seeded: Session) -> None:
    birth = plan(seeded, "birth")
    born = date.fromisoformat(birth.intake["child"]["birth_date"])
    [deadline] = birth.deadlines
    assert (deadline.id, deadline.services) == (
        "birth-registration",
        ["vital-statistics.birth-registration"],
    )
    assert deadline.due_at == datetime.combine(born, time.max, tzinfo=UTC) + timedelta(days=30)
    # A deadline over services the person did not choose is not planned.
    assert plan(seeded, "birth", services=["health.child-health-card"]).deadlines == []


def test_a_deadline_with_no_field_counts_from_now_over_the_chosen_services(
    seeded: Session,
) -> None:
    before = datetime.now(UTC)
    [deadline] = plan(seeded, "death").deadlines
    after = datetime.now(UTC)
    assert before + timedelta(days=28) <= deadline.due_at <= after + timedelta(days=28)
    assert "pension.survivor-benefit" not in deadline.services
    assert deadline.services == ids(plan(seeded, "death"))


def test_a_proactive_offer_plans_every_service_of_the_bundle(seeded: Session) -> None:
    offer = ProactiveOffer(
        event_type="vital-statistics.death.registered",
        event_source="urn:registry:vital-statistics",
        due_at=datetime.now(UTC) + timedelta(days=28),
        life_event_title=get_catalog()["death"].title,
    )
    death = plan(seeded, "death", offer=offer, services=["tax.final-return"])
    assert death.proactive == offer
    assert ids(death) == [
        "pension.stop-payments",
        "pension.survivor-benefit",
        "tax.final-return",
        "passport.cancel",
        "driving.cancel-licence",
        "health.end-coverage",
        "municipal.electoral-roll",
    ]


def test_the_new_life_events_pin_their_legal_deadlines(seeded: Session) -> None:
    def end_of(day: str, days: int) -> datetime:
        last = datetime.combine(date.fromisoformat(day), time.max, tzinfo=UTC)
        return last + timedelta(days=days)

    military = plan(seeded, "leaving-military-service")
    released = military.intake["military_service"]["release_date"]
    assert [(d.id, d.services, d.due_at) for d in military.deadlines] == [
        ("health-coverage", ["health.coverage-transfer"], end_of(released, 90)),
        ("pension-option", ["pension.military-pension"], end_of(released, 365)),
    ]
    disaster = plan(seeded, "disaster-recovery")
    struck = disaster.intake["disaster"]["date"]
    [deadline] = disaster.deadlines
    assert (deadline.id, deadline.due_at) == ("disaster-assistance", end_of(struck, 90))
    assert deadline.services == [
        "emergency-management.emergency-assistance",
        "housing.temporary-housing",
    ]


def test_a_registration_may_name_its_agency_in_both_languages(seeded: Session) -> None:
    def benefit() -> ServicePlan:
        return next(
            s for s in plan(seeded, "birth").services if s.service_id == "revenue.child-benefit"
        )

    # The demo's registrations name their agencies in both languages.
    names = LocalizedText(en="Revenue Agency", fr="Agence du revenu")
    assert benefit().agency_names == names
    row = seeded.get(AgencyService, "revenue.child-benefit")
    assert row is not None
    unnamed = ServiceRegistration.model_validate(row.registration).model_copy(
        update={"agency_name": None}
    )
    version = upsert_service(session=seeded, agency_id="revenue", registration=unnamed).version
    assert benefit().agency_names is None  # not given: the name as the agency was created
    # The same registration sent again is no new version: the absent name is not stored.
    assert (
        upsert_service(session=seeded, agency_id="revenue", registration=unnamed).version == version
    )
    named = unnamed.model_copy(update={"agency_name": names})
    upsert_service(session=seeded, agency_id="revenue", registration=named)
    assert benefit().agency_names == names
