"""The `lifeevents` command and the app database: `migrate` (and `setup`) make the schema; the
commands that use the database refuse one that has none."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.db import make_engine
from core.migrations import current_revision, head_revision


def lifeevents(command: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "development",
        "DATA_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'app.db'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "cli", command],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


@pytest.mark.parametrize("command", ["api", "worker", "purge", "audit-verify", "seed-demo"])
def test_a_command_using_the_database_refuses_one_without_schema(
    command: str, tmp_path: Path
) -> None:
    result = lifeevents(command, tmp_path)
    assert result.returncode == 2
    assert f"lifeevents {command}: the app database has no schema" in result.stderr
    assert "run `lifeevents setup`" in result.stderr


def test_migrate_brings_the_database_to_the_head_once(tmp_path: Path) -> None:
    first = lifeevents("migrate", tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"from revision (empty) to {head_revision()}" in first.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    assert current_revision(engine) == head_revision()
    engine.dispose()
    again = lifeevents("migrate", tmp_path)
    assert f"up to date (revision {head_revision()})" in again.stdout
    assert lifeevents("purge", tmp_path).returncode == 0  # now the commands run
