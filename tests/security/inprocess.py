"""The API in the test's own process, on a SQLite database in the test's folder, connected
to the suite's Temporal dev server; steps that wait for a decision are real workflow executions
(started on a task queue no worker polls: the server takes their signals, nothing runs them)."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from core.db import get_engine
from core.migrations import upgrade
from core.models import AgencyDecision
from core.registry import AgencyCreate, create_agency
from core.settings import get_settings
from server.app import create_app
from workflows.names import AGENCY_SERVICE


async def waiting_step(client: Client, step_workflow: str) -> None:
    """A step that waits for its agency's decision, as far as the API can tell."""
    await client.start_workflow(
        AGENCY_SERVICE, id=step_workflow, task_queue=f"nobody-{uuid.uuid4().hex}"
    )


async def decisions_signalled(client: Client, step_workflow: str) -> list[AgencyDecision]:
    """Every decision signalled to a step, oldest first, read from its history."""
    decisions = []
    async for event in client.get_workflow_handle(step_workflow).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            payloads = event.workflow_execution_signaled_event_attributes.input.payloads
            [decision] = await client.data_converter.decode(payloads, [AgencyDecision])
            decisions.append(decision)
    return decisions


@dataclass
class InProcessApi:
    client: TestClient
    temporal: Client
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


@contextmanager
def in_process_api(
    database_url: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    temporal_env: WorkflowEnvironment,
) -> Iterator[InProcessApi]:
    """The API in this process on its own database, migrated as `lifeevents setup` does."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.setenv("TEMPORAL_ADDRESS", temporal_env.client.service_client.config.target_host)
    get_settings.cache_clear()
    get_engine.cache_clear()
    upgrade(get_engine())  # what `lifeevents setup` does before the API starts
    # Entered: the lifespan checks the schema and connects to Temporal, as in production.
    with TestClient(create_app()) as client:
        yield InProcessApi(client, temporal_env.client)
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, temporal_env: WorkflowEnvironment
) -> Iterator[InProcessApi]:
    with in_process_api(
        f"sqlite:///{tmp_path / 'app.db'}", tmp_path, monkeypatch, temporal_env
    ) as api:
        yield api
