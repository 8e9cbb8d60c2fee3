"""The web pages in the test's own process (FastAPI's TestClient over HTTPS, so that Secure
cookies travel), on a SQLite database with the demo's agencies and services, connected to the
suite's Temporal dev server; journeys start on a task queue no worker polls."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from lifeevents.db import get_engine
from lifeevents.migrations import upgrade
from lifeevents.settings import get_settings
from simulated_agencies.seed import seed_demo_data


@pytest.fixture
def web(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, temporal_env: WorkflowEnvironment
) -> Iterator[TestClient]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TEMPORAL_ADDRESS", temporal_env.client.service_client.config.target_host)
    monkeypatch.setenv("TASK_QUEUE", f"nobody-{uuid.uuid4().hex}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    upgrade(get_engine())
    with Session(get_engine()) as session:
        seed_demo_data(session, get_settings())
    with TestClient(create_app(), base_url="https://testserver") as client:
        yield client
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
