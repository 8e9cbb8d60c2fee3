"""The stack's own processes (worker, agencies, API), started as the README starts them.

Each runs as a real process with the ``lifeevents`` CLI, against a real Temporal server, a real
database and a real SMTP server, and writes its logs to a file the tests can read.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from cli.devstack import wait_until_ready
from simulated_agencies import demo
from simulated_agencies.seed import demo_credentials
from tests.support.ports import free_port

FINAL_STATES = {"completed", "completed_with_issues", "failed", "cancelled"}
BIRTH_SERVICES = [
    "vital-statistics.birth-registration",
    "revenue.child-benefit",
    "social-insurance.child-number",
    "health.child-health-card",
]
OPERATOR_TOKEN = "test-operator-token"
# The stack's one named operator (OPERATOR_TOKENS): the audit trail says "operator:<name>".
OPERATOR_NAME = "test-operator"
REGISTRY_TOKEN = "test-registry-token"
AGENCIES_INSPECTION_TOKEN = "test-agencies-inspection-token"


def birth_intake(
    *,
    email: str,
    language: str = "en",
    informant: dict[str, str] | None = None,
    child_given_name: str = "Noah",
    services: list[str] | None = None,
    consents: list[str] | None = None,
) -> dict[str, Any]:
    """The demo birth intake (Jordan's child), told by ``informant`` instead when given."""
    body = demo.birth_intake(email=email, language=language, child_given_name=child_given_name)
    if informant is not None:
        body["informant"] = informant
    if services is not None:
        body["services"] = services
    # Consent to every service asked for, unless the test says otherwise.
    body["consents"] = BIRTH_SERVICES if consents is None else consents
    return body


class Stack:
    def __init__(
        self,
        *,
        temporal_address: str,
        smtp_port: int,
        folder: Path,
        database_url: str | None = None,
        namespace: str = "default",
        decision_delay_seconds: float = 1.0,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.folder = folder
        self.api_port = free_port()
        self.agencies_port = free_port()
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.agencies_url = f"http://127.0.0.1:{self.agencies_port}"
        self.task_queue = f"life-events-{uuid.uuid4().hex[:8]}"
        self.env = {
            **os.environ,
            "TEMPORAL_ADDRESS": temporal_address,
            "TEMPORAL_NAMESPACE": namespace,
            "TASK_QUEUE": self.task_queue,
            "DATA_DIR": str(folder),
            "API_PORT": str(self.api_port),
            "PUBLIC_BASE_URL": self.api_url,
            "AGENCIES_PORT": str(self.agencies_port),
            "AGENCIES_BASE_URL": self.agencies_url,
            "SMTP_PORT": str(smtp_port),
            "OPERATOR_TOKENS": f"{OPERATOR_NAME}:{OPERATOR_TOKEN}",
            "REGISTRY_TOKEN": REGISTRY_TOKEN,
            "AGENCY_DECISION_DELAY_SECONDS": str(decision_delay_seconds),
            "LOG_FORMAT": "json",
            "ENVIRONMENT": "development",
            "AGENCIES_INSPECTION_TOKEN": AGENCIES_INSPECTION_TOKEN,
            # The simulated and the tests' agencies listen on loopback.
            "AGENCY_URL_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
        }
        # Always its own database: never one a fixture left in this process's environment.
        self.env["DATABASE_URL"] = database_url or f"sqlite:///{folder / 'app.db'}"
        self.env.update(extra_env or {})
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        # Each journey's citizen token, as the intake answered it.
        self.tokens: dict[str, str] = {}
        self._log_count = 0

    # --- processes ---------------------------------------------------------------------------

    def start_process(self, name: str) -> None:
        self._log_count += 1
        log = open(self.folder / f"{name}-{self._log_count}.log", "wb")  # noqa: SIM115
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "cli", name],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def start(self) -> "Stack":
        for command in ("migrate", "seed-demo"):  # the schema is made before anything runs
            subprocess.run(
                [sys.executable, "-m", "cli", command],
                env=self.env,
                check=True,
                capture_output=True,
            )
        self.start_process("api")
        self._wait_ready(f"{self.api_url}/readyz", "api")
        self.start_process("agencies")
        self._wait_ready(f"{self.agencies_url}/healthz", "agencies")
        self.start_process("worker")
        return self

    def kill_worker(self) -> None:
        process = self.processes.pop("worker")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def _wait_ready(self, url: str, name: str, timeout: float = 60) -> None:
        try:
            wait_until_ready(url, timeout, self.processes[name])
        except RuntimeError as error:
            raise RuntimeError(f"{name}: {error}; see {self.folder}") from error

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.folder.glob("*.log")))

    # --- HTTP --------------------------------------------------------------------------------

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.api_url, timeout=30)

    def operator(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.api_url,
            timeout=30,
            headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
        )

    def submit(self, body: dict[str, Any], life_event: str = "birth", **headers: str) -> str:
        with self.api() as client:
            response = client.post(
                f"/v1/life-events/{life_event}/intakes", json=body, headers=headers
            )
        assert response.status_code == 202, response.text
        journey_id: str = response.json()["journey_id"]
        self.tokens[journey_id] = response.json()["access_token"]
        return journey_id

    def citizen(self, journey_id: str) -> httpx.Client:
        """The API as the person whose journey it is (their journey token)."""
        return httpx.Client(
            base_url=self.api_url,
            timeout=30,
            headers={"Authorization": f"Bearer {self.tokens[journey_id]}"},
        )

    def status(self, journey_id: str) -> dict[str, Any]:
        with self.citizen(journey_id) as client:
            response = client.get(f"/v1/journeys/{journey_id}")
        assert response.status_code == 200, response.text
        status: dict[str, Any] = response.json()
        return status

    def wait_until_done(self, journey_id: str, timeout: float = 90) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last: dict[str, Any] | str = "never answered"
        while time.monotonic() < deadline:
            with self.citizen(journey_id) as client:
                response = client.get(f"/v1/journeys/{journey_id}")
            # 503: no worker answered the status query in time (one is being restarted, say).
            assert response.status_code in (200, 503), response.text
            if response.status_code == 200:
                status: dict[str, Any] = response.json()
                if status["state"] in FINAL_STATES:
                    return status
                last = status
            time.sleep(0.2)
        raise AssertionError(f"journey {journey_id} not done after {timeout}s: {last}")

    def agency_key(self, agency_id: str) -> str:
        """A demo agency's integrator key, as this stack's seed made it."""
        return demo_credentials(self.folder)[agency_id]["api_key"]

    def received(self, journey_id: str) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self.agencies_url}/_received",
            params={"journey_id": journey_id},
            headers={"Authorization": f"Bearer {AGENCIES_INSPECTION_TOKEN}"},
        )
        response.raise_for_status()
        received: list[dict[str, Any]] = response.json()
        return received
