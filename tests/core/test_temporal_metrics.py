"""WORKER_METRICS_ADDRESS: the worker's client runs on a runtime that serves Temporal's SDK
metrics for Prometheus there; a real worker runs a workflow on the suite's dev server, then
the endpoint is scraped over HTTP."""

import uuid

import httpx
import pytest
from pydantic import ValidationError
from temporalio import workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from core.settings import Settings
from core.temporal import connect, metrics_runtime
from tests.support.ports import free_port


@workflow.defn(sandboxed=False)
class Greeting:
    @workflow.run
    async def run(self, name: str) -> str:
        return f"hello {name}"


def _settings(temporal_env: WorkflowEnvironment, **values: str) -> Settings:
    return Settings(
        _env_file=None,
        environment="development",
        temporal_address=temporal_env.client.service_client.config.target_host,
        **values,  # type: ignore[arg-type]
    )


def test_no_runtime_of_its_own_by_default(temporal_env: WorkflowEnvironment) -> None:
    assert metrics_runtime(_settings(temporal_env)) is None


@pytest.mark.parametrize("address", ["9464", "127.0.0.1", "127.0.0.1:port", "a b:1"])
def test_an_address_without_a_port_is_refused(address: str) -> None:
    with pytest.raises(ValidationError, match="worker_metrics_address"):
        Settings(_env_file=None, worker_metrics_address=address)


async def test_the_worker_serves_the_sdk_metrics_on_its_address(
    temporal_env: WorkflowEnvironment,
) -> None:
    address = f"127.0.0.1:{free_port()}"
    settings = _settings(temporal_env, worker_metrics_address=address)
    client = await connect(settings, runtime=metrics_runtime(settings))
    task_queue = f"metrics-{uuid.uuid4().hex}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[Greeting],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        greeted = await client.execute_workflow(
            Greeting.run, "Ada", id=f"greeting-{uuid.uuid4().hex}", task_queue=task_queue
        )
    assert greeted == "hello Ada"
    async with httpx.AsyncClient() as http:
        scraped = (await http.get(f"http://{address}/metrics")).text
    assert "temporal_workflow_completed" in scraped
    assert f'task_queue="{task_queue}"' in scraped
