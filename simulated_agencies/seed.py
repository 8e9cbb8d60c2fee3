"""Demo data for the dev stack and the tests: the demo population (simulated_agencies.demo) in
the population registry, and the simulated agencies with their registrations. Idempotent: run
it at every start."""

from sqlmodel import Session

from lifeevents.catalog import get_catalog
from lifeevents.credentials import derived_webhook_secret
from lifeevents.registry import check_against_catalog, create_agency, upsert_service
from lifeevents.settings import Settings
from lifeevents.tables import Agency, PopulationRecord
from simulated_agencies.demo import DEMO_PEOPLE
from simulated_agencies.registrations import demo_agencies, demo_services

# The API key each simulated agency's integrator uses in the dev stack.
DEMO_AGENCY_KEY_PREFIX = "dev-agency-key-"


def seed_demo_data(session: Session, settings: Settings) -> None:
    for person in DEMO_PEOPLE:
        session.merge(
            PopulationRecord(
                national_id=person.national_id,
                given_name=person.given_name,
                family_name=person.family_name,
                birth_date=person.birth_date,
            )
        )
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
