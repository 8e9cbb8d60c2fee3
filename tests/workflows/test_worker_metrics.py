"""`lifeevents worker` with WORKER_METRICS_ADDRESS serves Temporal's SDK metrics there: the real
command, in a process of its own, against the suite's dev server."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from temporalio.testing import WorkflowEnvironment

from tests.support.ports import free_port


def test_the_worker_command_serves_sdk_metrics(
    temporal_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    address = f"127.0.0.1:{free_port()}"
    task_queue = f"metrics-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
        "TASK_QUEUE": task_queue,
        "DATA_DIR": str(tmp_path),
        "WORKER_METRICS_ADDRESS": address,
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "cli", "worker"], env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 30
        scraped = ""
        # The pollers report their task queue once they poll it.
        while f'task_queue="{task_queue}"' not in scraped:
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, scraped or log.read_text()
            time.sleep(0.5)
            try:
                scraped = httpx.get(f"http://{address}/metrics", timeout=2).text
            except httpx.TransportError:
                continue
        assert "temporal_" in scraped
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
