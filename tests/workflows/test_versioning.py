"""Worker versioning: a worker started with WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID runs as
that deployment version; once the version is made current with the `temporal` CLI (as the
README says), a journey and its steps run on it, pinned."""

import asyncio
import subprocess
import time
import uuid
from pathlib import Path

from temporalio.api.enums.v1 import VersioningBehavior as VersioningBehaviorProto
from temporalio.client import Client
from temporalio.common import VersioningBehavior
from temporalio.testing import WorkflowEnvironment

from core.ids import step_workflow_id
from core.settings import Settings
from core.temporal import temporal_cli_path
from tests.support.smtp import SmtpServer
from tests.support.stack import Stack, birth_intake
from workflows.versioning import deployment_config


def test_unset_the_worker_is_unversioned() -> None:
    assert deployment_config(Settings(_env_file=None)) is None


def test_set_the_worker_is_a_pinned_deployment_version() -> None:
    config = deployment_config(
        Settings(_env_file=None, worker_deployment_name="lifeevents", worker_build_id="2026.11.2")
    )
    assert config is not None and config.use_worker_versioning
    assert config.version.to_canonical_string() == "lifeevents.2026.11.2"
    assert config.default_versioning_behavior == VersioningBehavior.PINNED


def test_half_a_version_is_refused_at_start() -> None:
    problems = Settings(_env_file=None, worker_build_id="b1").insecure_settings()
    assert problems == ["WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID must be set together"]


def set_current_version(address: str, deployment: str, build_id: str, timeout: float = 60) -> None:
    """The README's command; it fails until the version's worker has polled its task queue."""
    command = [
        str(temporal_cli_path()),
        "worker",
        "deployment",
        "set-current-version",
        "--address",
        address,
        "--deployment-name",
        deployment,
        "--build-id",
        build_id,
        "--yes",
    ]
    deadline = time.monotonic() + timeout
    while True:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
        if result.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"set-current-version kept failing: {result.stderr}")
        time.sleep(0.5)


async def pinned_version(client: Client, workflow_id: str) -> tuple[int, str, str]:
    described = await client.get_workflow_handle(workflow_id).describe()
    info = described.raw_description.workflow_execution_info.versioning_info
    version = info.deployment_version
    return info.behavior, version.deployment_name, version.build_id


async def test_a_versioned_worker_runs_journeys_pinned_to_its_version(
    temporal_env: WorkflowEnvironment, smtp: SmtpServer, tmp_path: Path
) -> None:
    deployment, build_id = f"lifeevents-{uuid.uuid4().hex[:8]}", "build-1"
    address = temporal_env.client.service_client.config.target_host
    stack = Stack(
        temporal_address=address,
        smtp_port=smtp.port,
        folder=tmp_path,
        extra_env={"WORKER_DEPLOYMENT_NAME": deployment, "WORKER_BUILD_ID": build_id},
    )
    try:
        stack.start()
        set_current_version(address, deployment, build_id)
        journey_id = stack.submit(birth_intake(email="versioned@example.org"))
        assert stack.wait_until_done(journey_id)["state"] == "completed"
    finally:
        stack.stop()
    pinned = (VersioningBehaviorProto.VERSIONING_BEHAVIOR_PINNED, deployment, build_id)
    assert await pinned_version(temporal_env.client, journey_id) == pinned
    step = step_workflow_id(journey_id, "vital-statistics.birth-registration")
    assert await pinned_version(temporal_env.client, step) == pinned
    # The README's drain check: visibility finds what ran on the version (here: all closed).
    query = f'TemporalWorkerDeploymentVersion = "{deployment}:{build_id}"'
    deadline = time.monotonic() + 30
    while (count := (await temporal_env.client.count_workflows(query)).count) < 5:
        assert time.monotonic() < deadline, f"{query} found {count} workflows"
        await asyncio.sleep(0.5)
    running = await temporal_env.client.count_workflows(f"{query} AND ExecutionStatus = 'Running'")
    assert running.count == 0
