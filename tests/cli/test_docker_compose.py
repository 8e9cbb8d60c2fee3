"""docker-compose.yml parses, has the production topology, and runs only real commands; the
Dockerfile copies what exists. (No Docker engine runs on these machines: the files are checked,
not started.)"""

import re
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OUR_IMAGE = "lifeevents:latest"
# Built from our image; the rest (Temporal, its UI, the databases) are upstream images.
OURS = {"setup", "api", "worker", "mail"}
INFRASTRUCTURE = {"temporal", "temporal-ui", "temporal-db", "app-db"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return parsed


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    """The Dockerfile's instructions, comments dropped and continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return [line.strip() for line in "\n".join(lines).replace("\\\n", " ").splitlines() if line]


def ours(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = compose["services"]
    return {
        name: spec
        for name, spec in services.items()
        if "build" in spec or spec.get("image") == OUR_IMAGE
    }


def test_the_topology_is_there(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert INFRASTRUCTURE | OURS <= set(services)
    assert set(ours(compose)) == OURS
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    assert services["temporal"]["environment"]["POSTGRES_SEEDS"] == "temporal-db"
    assert services["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert "ports" not in services["temporal-ui"] and "ports" not in services["temporal"]
    # The worker scales: replicas, and nothing that would make two of them collide.
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert "container_name" not in services["worker"]
    assert "ports" not in services["worker"]
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])


def test_every_command_is_a_lifeevents_subcommand(compose: dict[str, Any]) -> None:
    subcommands = {spec["command"][0] for spec in ours(compose).values()}

    def help_of(subcommand: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli", subcommand, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )

    with ThreadPoolExecutor() as pool:
        results = dict(zip(subcommands, pool.map(help_of, subcommands), strict=True))
    for subcommand, result in results.items():
        assert result.returncode == 0, (subcommand, result.stderr)


@pytest.mark.parametrize("service", ["api", "worker", "setup"])
def test_processes_use_postgresql_and_the_temporal_cluster(
    compose: dict[str, Any], service: str
) -> None:
    env = compose["services"][service]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["DATABASE_URL"].split("@", 1)[1].startswith("app-db:")
    host, _, port = env["TEMPORAL_ADDRESS"].partition(":")
    assert host == "temporal" and port == "7233"
    assert env["SMTP_HOST"] == "mail"


def test_secrets_come_from_the_environment(compose: dict[str, Any]) -> None:
    for name, spec in ours(compose).items():
        for secret in ("OPERATOR_TOKENS", "APP_SECRET"):
            assert spec["environment"][secret] == f"${{{secret}:?set {secret}}}", (name, secret)


def test_the_dockerfile_runs_the_cli(dockerfile: list[str]) -> None:
    assert 'ENTRYPOINT ["lifeevents"]' in dockerfile
    assert any(line.startswith("FROM python:3.11-slim") for line in dockerfile)
    users = [line.split()[1] for line in dockerfile if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}


def test_the_dockerfile_copies_what_exists_and_every_package(dockerfile: list[str]) -> None:
    copied: set[str] = set()
    for line in dockerfile:
        if not line.startswith("COPY "):
            continue
        *sources, _destination = [word for word in line.split()[1:] if not word.startswith("--")]
        for source in sources:
            assert (ROOT / source).exists(), source
            copied.add(source.rstrip("/"))
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in packages:
        assert re.sub(r"\*$", "", package) in copied, package
    assert {"pyproject.toml", "README.md"} <= copied
