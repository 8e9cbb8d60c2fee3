"""Installs the system packages the test suite needs, when they are missing.

    .venv/bin/python -m tests.bootstrap            # what the README's test command runs
    .venv/bin/python -m tests.bootstrap --dry-run  # only say what it would do

Everything else comes from PyPI; these come from Debian's apt. With everything present it
returns at once, without calling apt. Missing and root: `apt-get update` once, then one
`apt-get install` for all that is missing. Missing and not root: prints the command to run,
and exits non-zero under CI=true (CI must not pass by skipping), zero otherwise (a developer can
still run the rest; those tests are skipped).

To need one more system package, add a `Requirement` to `REQUIREMENTS`.
"""

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.postgres import _bin_dir, in_ci


@dataclass(frozen=True)
class Requirement:
    what: str  # for people: what is missing
    packages: tuple[str, ...]  # Debian packages that bring it
    present: Callable[[], bool]


def _postgres_present() -> bool:
    # Where the `postgres` fixture looks: /usr/lib/postgresql/*/bin (Debian), then $PATH.
    return _bin_dir() is not None


# Where the browser tests find Debian's Chromium (Playwright never downloads its own).
CHROMIUM = Path("/usr/bin/chromium")


def _chromium_present() -> bool:
    return CHROMIUM.exists()


REQUIREMENTS: list[Requirement] = [
    Requirement("PostgreSQL (initdb, pg_ctl)", ("postgresql",), _postgres_present),
    Requirement("Chromium (the web pages' browser tests)", ("chromium",), _chromium_present),
]


def missing(requirements: Sequence[Requirement]) -> list[Requirement]:
    return [requirement for requirement in requirements if not requirement.present()]


def packages_to_install(requirements: Sequence[Requirement]) -> list[str]:
    """The Debian packages to install, in order and once each: those of what is missing."""
    packages: list[str] = []
    for requirement in missing(requirements):
        packages += [package for package in requirement.packages if package not in packages]
    return packages


def apt_commands(packages: Sequence[str]) -> list[list[str]]:
    """The commands that install `packages`: none when there are none."""
    if not packages:
        return []
    return [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]]


def _online_clusters() -> set[tuple[str, str]]:
    """(version, name) of the system's running PostgreSQL clusters (Debian's pg_lsclusters)."""
    if shutil.which("pg_lsclusters") is None:
        return set()
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
    ).stdout
    return {
        (fields[0], fields[1])
        for fields in (line.split() for line in listing.splitlines())
        if len(fields) >= 4 and fields[3].startswith("online")
    }


def _stop_new_clusters(before: set[tuple[str, str]]) -> None:
    """Installing `postgresql` creates and may start a system cluster on port 5432. The tests do
    not use it (they make their own on a free port): stop the ones the install started."""
    for version, name in sorted(_online_clusters() - before):
        print(f"bootstrap: stopping the system cluster {version}/{name} the install started")
        subprocess.run(["pg_ctlcluster", version, name, "stop"], check=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bootstrap", description=__doc__)
    parser.add_argument("--dry-run", action="store_true", help="print what would be installed")
    dry_run = parser.parse_args(argv).dry_run

    absent = missing(REQUIREMENTS)
    if not absent:
        return 0
    packages = packages_to_install(REQUIREMENTS)
    commands = apt_commands(packages)
    shown = " && ".join(" ".join(command) for command in commands)
    print("bootstrap: missing " + ", ".join(requirement.what for requirement in absent))
    if dry_run:
        print(f"bootstrap: would run: {shown}")
        return 0
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(f"bootstrap: install them (as root, on Debian or Ubuntu) with: {shown}")
        if in_ci():
            print("bootstrap: CI=true: the tests that need them must not be skipped; failing")
            return 1
        print("bootstrap: the tests that need them will be skipped")
        return 0

    before = _online_clusters()
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in commands:
        print("bootstrap: " + " ".join(command), flush=True)
        subprocess.run(command, check=True, env=environment)
    _stop_new_clusters(before)

    still = missing(REQUIREMENTS)
    if still:
        print("bootstrap: still missing " + ", ".join(requirement.what for requirement in still))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
