"""Outside development, no process starts on missing, published or short secrets, and the
refusal names each variable to set."""

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core.settings import InsecureSettings, Settings

SECRETS = ["OPERATOR_TOKENS", "REGISTRY_TOKEN", "APP_SECRET", "AUDIT_KEY", "PAYLOAD_KEYS"]


def proper_secrets() -> dict[str, str]:
    return {
        "OPERATOR_TOKENS": "alice:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "REGISTRY_TOKEN": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "APP_SECRET": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "AUDIT_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "PAYLOAD_KEYS": "2026a:" + base64.b64encode(os.urandom(32)).decode(),
    }


def settings(**values: Any) -> Settings:
    """Settings from these values only (no .env; explicit values win over the environment)."""
    defaults: dict[str, Any] = {
        "environment": "production",
        "operator_tokens": "operator:dev-operator-token",
        "registry_token": "dev-registry-token",
        "app_secret": "dev-secret-change-me",
        "audit_key": None,
        "payload_keys": None,
        "payload_key_current": None,
        "oidc_issuer": None,
        "oidc_audience": None,
        "metrics_token": None,
    }
    return Settings(_env_file=None, **{**defaults, **values})


def from_env(env: dict[str, str]) -> dict[str, Any]:
    return {name.lower(): value for name, value in env.items()}


def lifeevents(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": "", **env},
        cwd=cwd,  # no .env file there
    )


def test_production_is_the_default_and_refuses_the_built_in_secrets() -> None:
    assert Settings.model_fields["environment"].default == "production"
    with pytest.raises(InsecureSettings) as refused:
        settings().check_secrets()
    for name in SECRETS:
        assert name in str(refused.value)


def test_proper_secrets_pass_and_development_allows_the_built_in_ones() -> None:
    settings(**from_env(proper_secrets())).check_secrets()
    settings(environment="development").check_secrets()


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("APP_SECRET", "too-short-but-not-published", "shorter than 32"),
        ("OPERATOR_TOKENS", "", "not set"),
        ("OPERATOR_TOKENS", "alice:dev-operator-token", "published"),
        ("OPERATOR_TOKENS", "alice:" + "x" * 31, "shorter than 32"),
        ("REGISTRY_TOKEN", "test-registry-token", "published"),
        ("AUDIT_KEY", "x" * 31, "shorter than 32"),
        ("PAYLOAD_KEYS", "k1:" + base64.b64encode(b"16 bytes, not 32").decode(), "32 bytes"),
        ("PAYLOAD_KEYS", "k1:not base64!", "not base64"),
        # Optional (unset, /metrics is off), but a secret when set.
        ("METRICS_TOKEN", "changeme", "published"),
        ("METRICS_TOKEN", "x" * 31, "shorter than 32"),
    ],
)
def test_each_weak_secret_is_refused_by_name(name: str, value: str, says: str) -> None:
    values = {**proper_secrets(), name: value}
    problems = settings(**from_env(values)).insecure_settings()
    assert len(problems) == 1 and name in problems[0] and says in problems[0], problems


def test_a_payload_key_current_outside_the_keys_is_refused() -> None:
    values = {**proper_secrets(), "PAYLOAD_KEY_CURRENT": "nope"}
    assert "PAYLOAD_KEY_CURRENT" in " ".join(settings(**from_env(values)).insecure_settings())


@pytest.mark.parametrize(
    "command",
    [
        ["api"],
        ["worker"],
        ["agencies"],
        ["setup"],
        ["purge"],
        ["audit-verify"],
        ["agency-worker", "--task-queue", "q", "--module", "m"],
    ],
)
def test_every_command_refuses_to_start_on_the_defaults(command: list[str], tmp_path: Path) -> None:
    result = lifeevents(*command, env={"DATA_DIR": str(tmp_path / "data")}, cwd=tmp_path)
    assert result.returncode != 0
    for name in SECRETS:
        assert name in result.stderr, result.stderr
    assert not (tmp_path / "data").exists()  # refused before touching anything


def test_a_short_app_secret_is_named_alone(tmp_path: Path) -> None:
    env = {**proper_secrets(), "APP_SECRET": "short", "DATA_DIR": str(tmp_path)}
    result = lifeevents("api", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "APP_SECRET" in result.stderr
    assert not {"OPERATOR_TOKENS", "REGISTRY_TOKEN", "AUDIT_KEY"} & set(result.stderr.split())


def test_with_proper_secrets_a_command_gets_past_the_check(tmp_path: Path) -> None:
    env = {**proper_secrets(), "DATA_DIR": str(tmp_path / "data")}
    migrated = lifeevents("migrate", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    result = lifeevents("audit-verify", env=env, cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, "The audit trail is whole."), (
        result.stderr
    )


def test_uvicorn_importing_the_app_directly_refuses_too(tmp_path: Path) -> None:
    """`uvicorn server.app:app` skips the lifeevents command: the app's startup checks too."""
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "server.app:app", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "", "DATA_DIR": str(tmp_path / "data")},
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "APP_SECRET" in result.stderr and "OPERATOR_TOKENS" in result.stderr, result.stderr
    assert not (tmp_path / "data").exists()


def test_the_dev_stack_runs_its_processes_in_development() -> None:
    source = (Path(__file__).resolve().parents[2] / "cli" / "devstack.py").read_text()
    assert '"ENVIRONMENT": "development"' in source


def test_compose_requires_every_secret() -> None:
    import yaml

    compose = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text()
    )
    for name, spec in compose["services"].items():
        if spec.get("image") != "lifeevents:latest":
            continue
        for secret in SECRETS:
            assert spec["environment"][secret] == f"${{{secret}:?set {secret}}}", (name, secret)
        assert spec["environment"].get("ENVIRONMENT", "production") == "production"
