"""Demo data for the dev stack and the tests, never for a deployment: the demo population
(``simulated_agencies.demo``) in the population registry, and the simulated agencies with their
registrations. Idempotent: ``lifeevents seed-demo`` runs it at every start of the dev stack.

Each demo agency's API key and webhook secret are random, made on this machine at first seed
and kept in ``DATA_DIR/demo-agencies.json`` (readable by its owner only): the simulated
agencies read their secrets there, and a developer finds the integrators' keys there. Nothing
published opens a demo agency.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session

from core.catalog import get_catalog
from core.credentials import issue_key, issue_secret
from core.registry import check_against_catalog, create_agency, upsert_service
from core.settings import Settings
from core.tables import Agency, PopulationRecord
from simulated_agencies.demo import DEMO_PEOPLE
from simulated_agencies.registrations import demo_agencies, demo_services

CREDENTIALS_FILE = "demo-agencies.json"
NOW = timedelta(0)


def credentials_path(data_dir: Path) -> Path:
    return data_dir / CREDENTIALS_FILE


def demo_credentials(data_dir: Path) -> dict[str, dict[str, str]]:
    """{agency_id: {"api_key", "webhook_secret"}} as the last seed wrote them ({} if never)."""
    path = credentials_path(data_dir)
    if not path.exists():
        return {}
    loaded: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def seed_demo_data(session: Session, settings: Settings) -> dict[str, dict[str, str]]:
    """Seed (or refresh) the demo data; the demo agencies' credentials, as also written to
    ``DATA_DIR/demo-agencies.json``."""
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
    known = demo_credentials(settings.data_dir)
    credentials: dict[str, dict[str, str]] = {}
    for agency in demo_agencies():
        if session.get(Agency, agency.agency_id) is None:
            _, api_key, secret = create_agency(session=session, agency=agency)
            credentials[agency.agency_id] = {"api_key": api_key, "webhook_secret": secret}
        elif agency.agency_id in known:
            credentials[agency.agency_id] = known[agency.agency_id]
        else:
            # Seeded before, but its keys were lost with the file: issue new ones at once.
            _, api_key = issue_key(session=session, agency_id=agency.agency_id, overlap=NOW)
            secret_row = issue_secret(session=session, agency_id=agency.agency_id, overlap=NOW)
            credentials[agency.agency_id] = {
                "api_key": api_key,
                "webhook_secret": secret_row.secret,
            }
        for registration in services[agency.agency_id]:
            check_against_catalog(registration, catalog)
            upsert_service(session=session, agency_id=agency.agency_id, registration=registration)
    _write_private(credentials_path(settings.data_dir), json.dumps(credentials, indent=2))
    return credentials


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
