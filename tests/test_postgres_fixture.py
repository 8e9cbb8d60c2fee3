"""The `postgres` fixture's helper: where it finds PostgreSQL, and what it does without it."""

from pathlib import Path

import pytest

from tests.support.postgres import _bin_dir, cluster_or_skip


def _install(root: Path, version: str) -> Path:
    bin_dir = root / version / "bin"
    bin_dir.mkdir(parents=True)
    for program in ("initdb", "pg_ctl"):
        (bin_dir / program).write_text("#!/bin/sh\n")
        (bin_dir / program).chmod(0o755)
    return bin_dir


def test_the_newest_installed_version_is_used(tmp_path: Path) -> None:
    _install(tmp_path, "9")
    newest = _install(tmp_path, "15")
    assert _bin_dir([str(tmp_path / "*" / "bin")], path="") == newest


def test_initdb_on_the_path_is_found_when_no_root_has_it(tmp_path: Path) -> None:
    on_path = _install(tmp_path / "elsewhere", "16")
    assert _bin_dir([str(tmp_path / "none" / "*" / "bin")], path=str(on_path)) == on_path


def test_nothing_is_found_where_nothing_is_installed(tmp_path: Path) -> None:
    assert _bin_dir([str(tmp_path / "*" / "bin")], path="") is None


def test_under_ci_a_missing_postgresql_fails_the_test_naming_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as failed:
        cluster_or_skip([str(tmp_path / "*" / "bin")], path="")
    assert "apt-get install -y postgresql" in str(failed.value)


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_outside_ci_a_missing_postgresql_skips_the_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci: str | None
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception) as skipped:
        cluster_or_skip([str(tmp_path / "*" / "bin")], path="")
    assert "apt-get install -y postgresql" in str(skipped.value)


def test_an_installed_postgresql_gives_a_cluster_in_a_fresh_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    bin_dir = _install(tmp_path, "15")
    cluster = cluster_or_skip([str(tmp_path / "*" / "bin")], path="")
    try:
        assert cluster.bin_dir == bin_dir
    finally:
        cluster.folder.rmdir()
