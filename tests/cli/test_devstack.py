"""`lifeevents dev` (the README's first command, after installing) starts the whole embedded
stack, serves a journey end to end, and stops everything cleanly on Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.ports import free_port
from tests.support.processes import descendants
from tests.support.stack import FINAL_STATES, birth_intake


def _listening() -> dict[int, int]:
    """Every listening TCP socket on this machine: its inode -> its port."""
    sockets: dict[int, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                sockets[int(fields[9])] = int(fields[1].rsplit(":", 1)[1], 16)
    return sockets


def ports_listened_on_by(pid: int) -> set[int]:
    """The TCP ports the process tree of ``pid`` listens on."""
    sockets = _listening()
    ports: set[int] = set()
    for process in descendants(pid):
        try:
            fds = list(Path(f"/proc/{process}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inode = int(target[len("socket:[") : -1])
                if inode in sockets:
                    ports.add(sockets[inode])
    return ports


def _cli_role(pid: int) -> str | None:
    """``api`` for a process started as ``python -m cli api``, and so on."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return None
    for i, arg in enumerate(args[:-2]):
        if arg == "-m" and args[i + 1] == "cli":
            return args[i + 2]
    return None


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


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
    opened: set[int] = set()
    dev = subprocess.Popen([sys.executable, "-m", "cli", "dev"], env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 90
        while b"The life-event stack is up" not in (tmp_path / "dev.log").read_bytes():
            assert dev.poll() is None, (tmp_path / "dev.log").read_text()
            assert time.monotonic() < deadline, "the stack did not come up"
            time.sleep(0.2)
        printed = (tmp_path / "dev.log").read_text()
        assert f"{api}/docs" in printed and f"http://127.0.0.1:{ports['ui']}" in printed
        # The stack listens on exactly the ports it was given (and whatever else Temporal
        # opens for itself): every one of them is checked again once it stopped.
        # (The mail catcher is not waited for by `dev`: poll until it listens too.)
        deadline = time.monotonic() + 30
        while not set(ports.values()) <= (opened := ports_listened_on_by(dev.pid)):
            assert time.monotonic() < deadline, (ports, opened)
            time.sleep(0.1)
        for name, port in ports.items():
            assert accepts_connections(port), f"{name} does not listen on {port}"
        # What answers people comes first: the worker, agencies and mail catcher run niced.
        niceness = {
            role: os.getpriority(os.PRIO_PROCESS, pid)
            for pid in descendants(dev.pid)
            if (role := _cli_role(pid)) in ("api", "worker", "agencies", "mail")
        }
        assert set(niceness) == {"api", "worker", "agencies", "mail"}, niceness
        assert niceness["worker"] == niceness["agencies"] == niceness["mail"]
        assert niceness["worker"] == min(19, niceness["api"] + 5)

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
        # the five messages (one per service, and the journey's summary) as files.
        assert (tmp_path / "data" / "temporal.db").exists()
        for _ in range(50):
            if len(list((tmp_path / "data" / "mail").glob("*.eml"))) == 5:
                break
            time.sleep(0.1)
        assert len(list((tmp_path / "data" / "mail").glob("*.eml"))) == 5
    finally:
        dev.send_signal(signal.SIGINT)
        code = dev.wait(timeout=60)
    assert code == 0, (tmp_path / "dev.log").read_text()[-3000:]
    # Nothing is left listening: not the API, the agencies, Temporal, its UI or the mail
    # catcher, nor any other port the stack opened. A plain TCP connection, so a port that
    # does not speak HTTP (SMTP, Temporal's gRPC) is refused only when nothing listens on it.
    still_listening = set(_listening().values()) & opened
    assert still_listening == set(), f"still listening after stop: {still_listening}"
    for name, port in ports.items():
        assert not accepts_connections(port), f"{name} still listens on {port}"
