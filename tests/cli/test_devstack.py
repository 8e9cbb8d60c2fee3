"""`lifeevents dev` (the README's first command, after installing) starts the whole embedded
stack, serves a journey end to end, and stops everything cleanly on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.ports import free_port
from tests.support.stack import FINAL_STATES, birth_intake


def test_dev_starts_everything_runs_a_journey_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("temporal", "ui", "api", "agencies", "smtp")}
    api = f"http://127.0.0.1:{ports['api']}"
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "TEMPORAL_PORT": str(ports["temporal"]),
        "TEMPORAL_UI_PORT": str(ports["ui"]),
        "API_PORT": str(ports["api"]),
        "PUBLIC_BASE_URL": api,
        "AGENCIES_PORT": str(ports["agencies"]),
        "AGENCIES_BASE_URL": f"http://127.0.0.1:{ports['agencies']}",
        "SMTP_PORT": str(ports["smtp"]),
        "AGENCY_DECISION_DELAY_SECONDS": "0.2",
    }
    env.pop("TEMPORAL_ADDRESS", None)
    out = open(tmp_path / "dev.log", "wb")  # noqa: SIM115
    dev = subprocess.Popen([sys.executable, "-m", "cli", "dev"], env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 90
        while b"The life-event stack is up" not in (tmp_path / "dev.log").read_bytes():
            assert dev.poll() is None, (tmp_path / "dev.log").read_text()
            assert time.monotonic() < deadline, "the stack did not come up"
            time.sleep(0.2)
        printed = (tmp_path / "dev.log").read_text()
        assert f"{api}/docs" in printed and f"http://127.0.0.1:{ports['ui']}" in printed

        with httpx.Client(base_url=api, timeout=30) as client:
            response = client.post(
                "/v1/life-events/birth/intakes", json=birth_intake(email="dev@example.org")
            )
            assert response.status_code == 202
            status_url = response.json()["status_url"]
            client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
            for _ in range(300):
                state = client.get(status_url).json()["state"]
                if state in FINAL_STATES:
                    break
                time.sleep(0.2)
            assert state == "completed"
        # Temporal keeps its state in a SQLite file in the data folder; the mail catcher keeps
        # the four messages (one per service) as files.
        assert (tmp_path / "data" / "temporal.db").exists()
        for _ in range(50):
            if len(list((tmp_path / "data" / "mail").glob("*.eml"))) == 4:
                break
            time.sleep(0.1)
        assert len(list((tmp_path / "data" / "mail").glob("*.eml"))) == 4
    finally:
        dev.send_signal(signal.SIGINT)
        code = dev.wait(timeout=60)
    assert code == 0, (tmp_path / "dev.log").read_text()[-3000:]
    # Nothing is left listening.
    for port in ports.values():
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=0.5)
        except httpx.TransportError:
            continue
        raise AssertionError(f"something still listens on {port}")
