"""docker-compose.yml parses, has the production topology, and runs only real commands.
(No Docker engine runs on these machines, so the file is checked, not started.)"""

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
OURS = ("setup", "api", "worker", "agencies", "mail")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return parsed


def test_the_topology_is_there(compose: dict[str, Any]) -> None:
    assert {"temporal", "temporal-ui", "temporal-db", "app-db", *OURS} <= set(compose["services"])
    assert compose["services"]["temporal"]["environment"]["DB"] == "postgres12"
    assert compose["services"]["worker"]["deploy"]["replicas"] >= 2
    assert "container_name" not in compose["services"]["worker"]  # so it can scale


@pytest.mark.parametrize("service", OURS)
def test_every_command_exists(compose: dict[str, Any], service: str) -> None:
    spec = compose["services"][service]
    assert spec["image"] == "lifeevents:latest"
    subcommand = spec["command"][0]
    result = subprocess.run(
        [sys.executable, "-m", "lifeevents.cli", subcommand, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("service", ["api", "worker", "agencies", "setup"])
def test_processes_use_postgresql_and_the_temporal_cluster(
    compose: dict[str, Any], service: str
) -> None:
    env = compose["services"][service]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["DATABASE_URL"].split("@")[1].startswith("app-db:")
    assert env["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_the_dockerfile_copies_what_exists_and_runs_the_cli() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["lifeevents"]' in dockerfile
    for source in re.findall(r"^COPY (\S+(?: \S+)*) \S+$", dockerfile, re.MULTILINE):
        for path in source.split():
            assert (ROOT / path).exists(), path
