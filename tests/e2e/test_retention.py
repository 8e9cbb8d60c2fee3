"""`lifeevents setup` gives the namespace its retention: Temporal deletes closed journeys'
histories (and the payloads in them) after TEMPORAL_RETENTION_DAYS."""

import os
import subprocess
import sys
from pathlib import Path

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from tests.conftest import POSTGRES_NAMESPACE


async def test_setup_sets_the_namespace_retention(temporal_client: Client, tmp_path: Path) -> None:
    address = temporal_client.service_client.config.target_host
    subprocess.run(
        [sys.executable, "-m", "cli", "setup"],
        check=True,
        timeout=60,
        env={
            **os.environ,
            "TEMPORAL_ADDRESS": address,
            "TEMPORAL_NAMESPACE": POSTGRES_NAMESPACE,
            "TEMPORAL_RETENTION_DAYS": "9",
            # setup migrates the app database too: this test's own.
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        },
    )
    described = await temporal_client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=POSTGRES_NAMESPACE)
    )
    assert described.config.workflow_execution_retention_ttl.ToTimedelta().days == 9
