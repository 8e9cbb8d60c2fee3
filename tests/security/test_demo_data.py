"""Demo data (the population registry's demo people and the seventeen demo agencies) exists only
where the dev stack or the tests put it, and nothing published opens a demo agency."""

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml
from temporalio.testing import WorkflowEnvironment

from tests.security.test_secrets import lifeevents, proper_secrets
from tests.support.ports import free_port
from tests.support.stack import Stack

ROOT = Path(__file__).resolve().parents[2]


def test_seeding_is_refused_outside_development(tmp_path: Path) -> None:
    env = {**proper_secrets(), "DATA_DIR": str(tmp_path / "data")}
    result = lifeevents("seed-demo", env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert "development only" in result.stderr
    assert not (tmp_path / "data" / "demo-agencies.json").exists()


def test_compose_seeds_nothing() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    commands = [spec.get("command") or [] for spec in compose["services"].values()]
    assert not [c for c in commands if "seed-demo" in c or "agencies" in c]


def test_the_api_seeds_nothing_at_start(tmp_path: Path, temporal_env: WorkflowEnvironment) -> None:
    port = free_port()
    env = {
        **proper_secrets(),
        "PATH": "",
        "DATA_DIR": str(tmp_path),
        "API_PORT": str(port),
        "TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
    }
    migrated = lifeevents("migrate", env=env, cwd=tmp_path)  # as `lifeevents setup` would
    assert migrated.returncode == 0, migrated.stderr
    api = subprocess.Popen(
        [sys.executable, "-m", "cli", "api"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert api.poll() is None, "the API exited"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError("the API never got ready")
    finally:
        api.terminate()
        api.wait(timeout=15)
    with sqlite3.connect(tmp_path / "app.db") as db:
        assert db.execute("select count(*) from populationrecord").fetchone() == (0,)
        assert db.execute("select count(*) from agency").fetchone() == (0,)


def test_demo_agencies_keys_are_made_on_the_machine(stack: Stack) -> None:
    url = f"{stack.api_url}/v1/agencies/health/services"
    published = httpx.get(url, headers={"Authorization": "Bearer dev-agency-key-health"})
    assert published.status_code == 401
    own = httpx.get(url, headers={"Authorization": f"Bearer {stack.agency_key('health')}"})
    assert own.status_code == 200, own.text
    assert (stack.folder / "demo-agencies.json").stat().st_mode & 0o077 == 0
