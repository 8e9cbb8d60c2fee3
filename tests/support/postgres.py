"""A throwaway PostgreSQL cluster for the tests, from the machine's own binaries.

PostgreSQL refuses to run as root, and CI runs as root: the cluster then runs as the
``postgres`` user, in a folder it owns.
"""

import glob
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.support.ports import free_port

# Where Debian's `postgresql` package puts the server binaries (not on PATH).
DEBIAN_ROOTS = ("/usr/lib/postgresql/*/bin",)
# What to run when they are missing (tests/bootstrap.py runs it when root).
INSTALL_HINT = "apt-get install -y postgresql (as root), or: python -m tests.bootstrap"


def _bin_dir(roots: Sequence[str] = DEBIAN_ROOTS, path: str | None = None) -> Path | None:
    """The folder holding initdb and pg_ctl: the newest under the `roots` globs, else on
    `path` (default: $PATH; "" searches nowhere)."""
    for root in roots:
        for candidate in sorted(glob.glob(root), key=_natural, reverse=True):
            if Path(candidate, "initdb").exists() and Path(candidate, "pg_ctl").exists():
                return Path(candidate)
    found = shutil.which("initdb", path=path)
    return Path(found).parent if found else None


def _natural(path: str) -> list[str | int]:
    """Sorts /usr/lib/postgresql/15/bin after /usr/lib/postgresql/9/bin."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def cluster_or_skip(
    roots: Sequence[str] = DEBIAN_ROOTS, path: str | None = None
) -> "PostgresCluster":
    """A (not yet started) cluster; without PostgreSQL, skip the test, or fail it under CI=true:
    CI must not pass by skipping what it was meant to run."""
    bin_dir = _bin_dir(roots, path)
    if bin_dir is None:
        message = f"PostgreSQL (initdb, pg_ctl) is not installed; install it with: {INSTALL_HINT}"
        if in_ci():
            pytest.fail(f"CI=true: {message}", pytrace=False)
        pytest.skip(message)
    return PostgresCluster(bin_dir)


class PostgresCluster:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="lifeevents-pg-"))
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_root:
            quoted = " ".join(f"'{part}'" for part in command)
            command = ["su", "postgres", "-s", "/bin/sh", "-c", quoted]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/lifeevents"

    def new_database(self, name: str) -> str:
        """A further empty database in the same cluster; its URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        data = str(self.folder / "data")
        self._run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", data, "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )
        self._run(
            "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "lifeevents"
        )

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
