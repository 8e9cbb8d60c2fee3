"""The production image's build stage, run without Docker (no engine here): the Dockerfile's own
`RUN` commands of its build stage, on a copy of its build context, into a fresh virtual
environment in place of /opt/lifeevents. The locked, hashed dependencies install; the project
adds none; the dev-only parts (dev-server binary, mail catcher) are absent, and the commands that
need them say so instead of crashing."""

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.compose import ROOT, dockerfile_instructions

IMAGE_VENV = "/opt/lifeevents"


def _build_stage() -> list[str]:
    instructions = dockerfile_instructions()
    stages = [i for i, line in enumerate(instructions) if line.startswith("FROM ")]
    return instructions[stages[0] : stages[1]]


def _copy_context(stage: list[str], context: Path) -> None:
    for line in stage:
        if line.startswith("COPY "):
            *sources, _destination = line.split()[1:]
            for source in sources:
                origin = ROOT / source
                if origin.is_dir():
                    shutil.copytree(
                        origin, context / source, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    shutil.copy(origin, context / source)


def test_the_build_stage_installs_the_lock_and_leaves_dev_parts_out(tmp_path: Path) -> None:
    stage = _build_stage()
    context = tmp_path / "src"
    context.mkdir()
    _copy_context(stage, context)
    venv = tmp_path / "image"
    for line in stage:
        if not line.startswith("RUN "):
            continue
        command = line.removeprefix("RUN ").replace(IMAGE_VENV, str(venv))
        command = command.replace("python -m venv", f"{shlex.quote(sys.executable)} -m venv")
        ran = subprocess.run(
            command, shell=True, cwd=context, capture_output=True, text=True, timeout=600
        )
        assert ran.returncode == 0, (command, ran.stdout[-2000:], ran.stderr[-2000:])
    binaries = venv / "bin"
    assert (binaries / "lifeevents").exists()
    assert not (binaries / "temporal").exists()
    for command in ("mail", "server", "dev"):
        refused = subprocess.run(
            [str(binaries / "lifeevents"), command],
            env={"ENVIRONMENT": "development", "PATH": str(binaries)},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode == 2, (command, refused.stderr)
        assert "pip install 'lifeevents[dev]'" in refused.stderr
