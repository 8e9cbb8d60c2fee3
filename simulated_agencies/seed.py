"""Demo data for the dev stack and the tests: a small population registry and the simulated
agencies' registrations. Idempotent: run it at every start."""

from datetime import date

from sqlmodel import Session

from lifeevents.catalog import get_catalog
from lifeevents.credentials import derived_webhook_secret
from lifeevents.registry import check_against_catalog, create_agency, upsert_service
from lifeevents.settings import Settings
from lifeevents.tables import Agency, PopulationRecord
from simulated_agencies.registrations import demo_agencies, demo_services

# Documented in the README: use these people to try the intake.
DEMO_PEOPLE = [
    PopulationRecord(
        national_id="123456782",
        given_name="Amélie",
        family_name="Tremblay",
        birth_date=date(1992, 3, 14),
    ),
    PopulationRecord(
        national_id="234567891",
        given_name="Jordan",
        family_name="Smith",
        birth_date=date(1988, 11, 2),
    ),
    PopulationRecord(
        national_id="345678912",
        given_name="Priya",
        family_name="Patel",
        birth_date=date(1979, 6, 30),
    ),
    PopulationRecord(
        national_id="456789123",
        given_name="Marc",
        family_name="Gagnon",
        birth_date=date(1958, 1, 20),
    ),
    PopulationRecord(
        national_id="567891234",
        given_name="Eleanor",
        family_name="Brown",
        birth_date=date(1948, 9, 9),
    ),
    # Fifteen years old: identity verifies, but the child benefit's age rule is not met.
    PopulationRecord(
        national_id="678912345", given_name="Sam", family_name="Young", birth_date=date(2011, 5, 5)
    ),
]
# The API key each simulated agency's integrator uses in the dev stack.
DEMO_AGENCY_KEY_PREFIX = "dev-agency-key-"


def seed_demo_data(session: Session, settings: Settings) -> None:
    for person in DEMO_PEOPLE:
        session.merge(PopulationRecord.model_validate(person.model_dump()))
    session.commit()
    catalog = get_catalog()
    services = demo_services(settings.agencies_base_url)
    for agency in demo_agencies():
        if session.get(Agency, agency.agency_id) is None:
            create_agency(
                session=session,
                agency=agency,
                api_key=f"{DEMO_AGENCY_KEY_PREFIX}{agency.agency_id}",
                webhook_secret=derived_webhook_secret(settings.app_secret, agency.agency_id),
            )
        for registration in services[agency.agency_id]:
            check_against_catalog(registration, catalog)
            upsert_service(session=session, agency_id=agency.agency_id, registration=registration)
