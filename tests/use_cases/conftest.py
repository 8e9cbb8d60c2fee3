"""Journeys on the suite's Temporal dev server, run by the engine with the workflow tests'
recording stand-ins for I/O, in real time (short SLAs): what the console's services read from
visibility and from each journey's status."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from core.db import get_engine
from core.migrations import upgrade
from core.settings import get_settings
from tests.api.conftest import api, database, recorder, time_skipping_env  # noqa: F401
from tests.workflows.fakes import Recorder, journey_worker


@pytest.fixture
async def engine_queue(
    temporal_env: WorkflowEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """A task queue with a journey worker polling it (pure activities write to a scratch DB)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    upgrade(get_engine())
    task_queue = f"console-{uuid.uuid4().hex}"
    async with journey_worker(temporal_env.client, task_queue, Recorder()):
        yield task_queue
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
