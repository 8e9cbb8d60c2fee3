"""CI runs exactly the README's test command, and that command brings the system packages."""

from pathlib import Path

ROOT = Path(__file__).parent.parent


def _command(lines: list[str]) -> str:
    return next(line for line in lines if "pip install -q -e '.[test]'" in line).strip()


def test_ci_runs_the_readmes_test_command() -> None:
    readme = _command((ROOT / "README.md").read_text().splitlines())
    ci = _command((ROOT / ".ci" / "run").read_text().splitlines())
    assert ci == readme
    assert "python -m tests.bootstrap && .venv/bin/pytest" in readme
