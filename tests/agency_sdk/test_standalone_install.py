"""The agency SDK installs alone (agency_sdk/pyproject.toml) into a fresh environment: an agency's
worker gets the SDK and the boundary it shares with the orchestrator, and nothing else of the
orchestrator: no FastAPI, no database layer, no dev-server binary."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What only the orchestrator needs; none of it may reach an agency's environment.
ORCHESTRATOR_ONLY = ("fastapi", "uvicorn", "sqlmodel", "sqlalchemy", "psycopg", "aiosmtpd")


def test_the_sdk_installs_alone_and_imports(tmp_path: Path) -> None:
    venv = tmp_path / "agency"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(ROOT / "agency_sdk")],
        cwd=tmp_path,  # not the repository: nothing of it is importable by accident
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    probe = f"""
import importlib.util, agency_sdk
from agency_sdk import AgencyDecision, AgencyRequest, build_worker, service, send_callback
from core.temporal import data_converter
from core.settings import Settings
data_converter(Settings())
for name in {ORCHESTRATOR_ONLY!r} + ("core.db", "core.tables", "api", "workflows",
                                    "activities", "cli", "simulated_agencies"):
    assert importlib.util.find_spec(name) is None, name
print("ok")
"""
    imported = subprocess.run(
        [str(python), "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert imported.stdout.strip() == "ok", imported.stderr
    assert not (venv / "bin" / "temporal").exists()
    assert (venv / "bin" / "agency-worker").exists()
    helped = subprocess.run(
        [str(venv / "bin" / "agency-worker"), "--help"], capture_output=True, text=True
    )
    assert "--task-queue" in helped.stdout
