"""tests/bootstrap.py: what it installs given what is present, and when it calls apt at all."""

import os
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

import pytest

from tests import bootstrap
from tests.bootstrap import Requirement, apt_commands, packages_to_install


def requirement(what: str, packages: tuple[str, ...], present: bool) -> Requirement:
    return Requirement(what, packages, lambda: present)


POSTGRES_PRESENT = requirement("PostgreSQL", ("postgresql",), True)
POSTGRES_MISSING = requirement("PostgreSQL", ("postgresql",), False)
BROWSER_PRESENT = requirement("Chromium", ("chromium",), True)
BROWSER_MISSING = requirement("Chromium", ("chromium",), False)


@pytest.mark.parametrize(
    ("requirements", "packages"),
    [
        ([POSTGRES_PRESENT], []),
        ([POSTGRES_MISSING], ["postgresql"]),
        ([POSTGRES_PRESENT, BROWSER_MISSING], ["chromium"]),
        ([POSTGRES_MISSING, BROWSER_MISSING], ["postgresql", "chromium"]),
        ([POSTGRES_MISSING, requirement("psql", ("postgresql",), False)], ["postgresql"]),
        ([POSTGRES_PRESENT, BROWSER_PRESENT], []),
    ],
)
def test_only_what_is_missing_is_installed(
    requirements: list[Requirement], packages: list[str]
) -> None:
    assert packages_to_install(requirements) == packages


def test_apt_is_updated_once_then_installs_everything_in_one_call() -> None:
    assert apt_commands([]) == []
    assert apt_commands(["postgresql", "chromium"]) == [
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "postgresql", "chromium"],
    ]


def test_postgresql_and_chromium_are_requirements() -> None:
    assert any(r.packages == ("postgresql",) for r in bootstrap.REQUIREMENTS)
    assert any(r.packages == ("chromium",) for r in bootstrap.REQUIREMENTS)


class Recorder:
    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, command: Sequence[str], **_: Any) -> subprocess.CompletedProcess[str]:
        self.commands.append(list(command))
        return subprocess.CompletedProcess(list(command), 0, stdout="", stderr="")


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(subprocess, "run", recorder)
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    return recorder


def test_with_everything_present_nothing_runs(
    run: Recorder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bootstrap, "REQUIREMENTS", [POSTGRES_PRESENT])
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert bootstrap.main([]) == 0
    assert run.commands == []
    assert capsys.readouterr().out == ""


def test_as_root_the_missing_packages_are_installed_and_new_clusters_stopped(
    run: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = {"done": False}

    def postgres_present() -> bool:
        return installed["done"]

    def fake_run(command: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        result = Recorder.__call__(run, command, **kwargs)
        if command[:2] == ["apt-get", "install"]:
            installed["done"] = True
        if command[0] == "pg_lsclusters" and installed["done"]:
            result.stdout = "15  main    5432 online postgres /var/lib/postgresql/15/main log\n"
        return result

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(
        bootstrap, "REQUIREMENTS", [Requirement("PostgreSQL", ("postgresql",), postgres_present)]
    )
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert bootstrap.main([]) == 0
    assert [c for c in run.commands if c[0] != "pg_lsclusters"] == [
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "postgresql"],
        ["pg_ctlcluster", "15", "main", "stop"],
    ]


@pytest.mark.parametrize(("ci", "status"), [("true", 1), (None, 0)])
def test_not_root_it_prints_the_command_and_fails_only_under_ci(
    run: Recorder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    ci: str | None,
    status: int,
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(bootstrap, "REQUIREMENTS", [POSTGRES_MISSING])
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert bootstrap.main([]) == status
    assert run.commands == []
    assert "apt-get update -qq && apt-get install -y -qq postgresql" in capsys.readouterr().out


def test_a_dry_run_installs_nothing(
    run: Recorder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bootstrap, "REQUIREMENTS", [POSTGRES_MISSING, BROWSER_MISSING])
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert bootstrap.main(["--dry-run"]) == 0
    assert run.commands == []
    assert "apt-get install -y -qq postgresql chromium" in capsys.readouterr().out
