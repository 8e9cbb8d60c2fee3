"""The API in the test's own process, on a SQLite database in the test's folder, with a fake
Temporal gateway that records the signals it is asked to send (no Temporal server needed)."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.deps import _gateway
from api.main import create_app
from lifeevents.db import create_tables, get_engine
from lifeevents.models import AgencyDecision
from lifeevents.registry import AgencyCreate, create_agency
from lifeevents.settings import get_settings


@dataclass
class FakeGateway:
    signals: list[tuple[str, AgencyDecision]] = field(default_factory=list)

    async def signal_decision(self, step_workflow: str, decision: AgencyDecision) -> None:
        self.signals.append((step_workflow, decision))


@dataclass
class InProcessApi:
    client: TestClient
    gateway: FakeGateway
    credentials: dict[str, tuple[str, str]] = field(default_factory=dict)

    def agency(self, agency_id: str) -> tuple[str, str]:
        """Create an agency; its API key and webhook secret."""
        with Session(get_engine()) as session:
            _, key, secret = create_agency(
                session=session, agency=AgencyCreate(agency_id=agency_id, name=agency_id.title())
            )
        self.credentials[agency_id] = (key, secret)
        return key, secret

    def as_agency(self, agency_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credentials[agency_id][0]}"}


def registration(service_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "service_id": service_id,
        "title": {"en": service_id, "fr": service_id},
        "life_events": ["birth"],
        "fields": ["child.given_name"],
        "delivery": {"mode": "webhook", "url": "https://93.184.215.14/notices"},
        **changes,
    }


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InProcessApi]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    get_engine.cache_clear()
    create_tables(get_engine())
    gateway = FakeGateway()
    app = create_app()
    app.dependency_overrides[_gateway] = lambda: gateway
    # Not entered as a context manager: the lifespan would connect to Temporal.
    client = TestClient(app)
    yield InProcessApi(client, gateway)
    client.close()
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
