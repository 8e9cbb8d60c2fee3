"""Fixtures of the API tests that run the app in process, per module: a scratch database, the
time-skipping server, a recording worker on ``TASK_QUEUE``, and an HTTP client of the app."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from tests.support.inprocess_api import api_client, scratch_database
from tests.workflows.conftest import start_time_skipping
from tests.workflows.fakes import Recorder, journey_worker

TASK_QUEUE = "inprocess-api-test"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with scratch_database(tmp_path_factory.mktemp("inprocess-api")) as engine:
        yield engine


@pytest.fixture(scope="module")
async def time_skipping_env(database: Engine) -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_skipping()
    yield env
    await env.shutdown()


@pytest.fixture(scope="module")
async def recorder(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Recorder]:
    recorder = Recorder(decide_at_once=False)
    async with journey_worker(time_skipping_env.client, TASK_QUEUE, recorder):
        yield recorder


@pytest.fixture(scope="module")
async def api(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(time_skipping_env.client) as client:
        yield client
