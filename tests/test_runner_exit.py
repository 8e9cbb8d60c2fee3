"""The test runner's exit status survives the hook that leaves with ``os._exit``.

temporalio's threads can crash the interpreter at exit after every test has run, so
``tests/conftest.py`` leaves from ``pytest_unconfigure`` with pytest's own status, before
finalisation. Each case here runs pytest in a subprocess on a small generated test folder whose
conftest imports that very hook: a failing run must still fail, a passing one pass, and a crash
at exit (an ``atexit`` handler that aborts) must not decide the status.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOOK = "from tests.conftest import pytest_sessionfinish, pytest_unconfigure  # noqa: F401\n"
PASSES = "def test_passes():\n    assert True\n"
FAILS = "def test_fails():\n    assert False\n"
# Aborts the interpreter during its finalisation, as temporalio's threads sometimes do.
CRASHES_AT_EXIT = "import atexit, os\natexit.register(os.abort)\n"


def run_pytest(folder: Path, test: str, *, hook: bool = True) -> int:
    (folder / "pytest.ini").write_text("[pytest]\n")  # this folder is the rootdir, not ours
    (folder / "conftest.py").write_text(HOOK if hook else "")
    (folder / "test_generated.py").write_text(test)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(done.stdout[-2000:], done.stderr[-2000:])  # noqa: T201 (shown when a case fails)
    return done.returncode


@pytest.mark.parametrize(
    ("test", "status"),
    [
        pytest.param(PASSES, 0, id="a passing test exits 0"),
        pytest.param(FAILS, 1, id="a failing test exits 1"),
        pytest.param("", 5, id="no test collected exits 5"),
        pytest.param(CRASHES_AT_EXIT + PASSES, 0, id="a crash at exit after passing exits 0"),
        pytest.param(CRASHES_AT_EXIT + FAILS, 1, id="a crash at exit after failing exits 1"),
    ],
)
def test_the_exit_status_is_pytests(tmp_path: Path, test: str, status: int) -> None:
    assert run_pytest(tmp_path, test) == status


def test_the_crash_at_exit_is_real_without_the_hook(tmp_path: Path) -> None:
    """The control: without the hook the same passing run dies of its abort at exit."""
    assert run_pytest(tmp_path, CRASHES_AT_EXIT + PASSES, hook=False) == -signal.SIGABRT
