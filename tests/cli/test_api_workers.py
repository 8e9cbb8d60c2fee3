"""`API_WORKERS=N` runs N API processes behind the one port, and SIGTERM stops them all."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from temporalio.testing import WorkflowEnvironment

from tests.support.ports import free_port
from tests.support.processes import descendants


def _serving(pid: int) -> list[int]:
    """The uvicorn worker processes under the API's supervisor (not its resource tracker)."""
    return [
        process
        for process in descendants(pid) - {pid}
        if b"spawn_main" in Path(f"/proc/{process}/cmdline").read_bytes()
    ]


def test_api_workers_share_the_port_and_stop_together(
    temporal_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "development",
        "DATA_DIR": str(tmp_path),
        "API_PORT": str(port),
        "API_WORKERS": "2",
        "TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
    }
    subprocess.run([sys.executable, "-m", "cli", "migrate"], env=env, check=True)
    api = subprocess.Popen(
        [sys.executable, "-m", "cli", "api"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert api.poll() is None, "the API exited"
            assert time.monotonic() < deadline, "the API never answered"
            time.sleep(0.2)
        workers = _serving(api.pid)
        assert len(workers) == 2, workers
        for _ in range(10):
            assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
    finally:
        api.send_signal(signal.SIGTERM)
        api.wait(timeout=30)
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers)
