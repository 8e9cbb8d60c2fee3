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


def test_the_readmes_first_command_is_make_dev_and_brings_the_dev_extra() -> None:
    """The embedded stack needs the `dev` extra (the dev server, the mail catcher), which the
    production image leaves out: the README's first command and `make dev` both install it."""
    readme = next(
        line.strip()
        for line in (ROOT / "README.md").read_text().splitlines()
        if line.strip().endswith("lifeevents dev") and "pip install" in line
    )
    makefile = (ROOT / "Makefile").read_text().splitlines()
    recipe = makefile[makefile.index("dev:") + 1].strip()
    recipe = recipe.replace("$(VENV)", ".venv").replace("$(BIN)", ".venv/bin")
    assert "pip install -e '.[dev]'" in readme
    assert recipe.replace(" -q", "") == readme
