"""The production topology run as docker-compose.yml wires it, without Docker (no engine here):
our services' commands through the image's entry point, with exactly the environment variables
compose gives them (the .env file's secrets interpolated, ENVIRONMENT=production), in compose's
start order: the one-shot `setup` against a Temporal that has never seen our namespace, then the
API (its compose health check passing) and the worker, then an agency registering over the API
and a journey served end to end on PostgreSQL, with the e-mail sent through SMTP.

What stands in for what compose would start: the embedded Temporal dev server (the server
version the compose images pin) for temporal/temporal-schema, the test PostgreSQL cluster for
app-db, an aiosmtpd relay requiring STARTTLS and a login (its certificate from a CA made here)
for the mail relay. Only host names, ports and the data folder differ: they are what a
container network would have made different."""

import asyncio
import base64
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest
from sqlmodel import Session, create_engine
from temporalio import activity
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from agency_sdk import AgencyDecision, AgencyRequest, activity_name, build_worker, service
from cli.devstack import wait_until_ready
from core.settings import Settings
from core.tables import PopulationRecord
from core.temporal import data_converter, search_attribute_types
from simulated_agencies.demo import JORDAN
from tests.support.certificates import CertificateAuthority
from tests.support.compose import (
    image_entrypoint,
    image_environment,
    load_compose,
    service_environment,
)
from tests.support.ports import free_port
from tests.support.postgres import PostgresCluster
from tests.support.prometheus import total
from tests.support.smtp import Login, SmtpServer
from tests.support.stack import FINAL_STATES, birth_intake

OURS = ("setup", "api", "worker")
OPERATOR = "ops"


def _secret() -> str:
    return secrets.token_urlsafe(32)


class ComposeTopology:
    """Our compose services as processes on this machine."""

    def __init__(
        self, folder: Path, temporal_address: str, database_url: str, relay: dict[str, str]
    ) -> None:
        self.folder = folder
        self.api_port = free_port()
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.operator_token = _secret()
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        # The operator's .env file: every variable compose requires, fresh secrets.
        self.dotenv = {
            "APP_DB_PASSWORD": secrets.token_hex(16),
            "TEMPORAL_DB_PASSWORD": secrets.token_hex(16),
            "PUBLIC_BASE_URL": self.api_url,
            "SMTP_HOST": "127.0.0.1",
            **relay,  # SMTP_PORT, and the login and CA when the relay has them
            "MAIL_FROM": "Tell Us Once <no-reply@gov.example>",
            "OPERATOR_TOKENS": f"{OPERATOR}:{self.operator_token}",
            "REGISTRY_TOKEN": _secret(),
            "APP_SECRET": _secret(),
            "PAYLOAD_KEYS": f"k1:{key}",
            "PAYLOAD_KEY_CURRENT": "k1",
            "AUDIT_KEY": _secret(),
            "METRICS_TOKEN": _secret(),
            "TEMPORAL_ADDRESS": temporal_address,
            "TRUSTED_PROXY_HOPS": "0",  # no proxy in front of the API here
        }
        self.database_url = database_url
        self.worker_metrics_address = ""
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def environment(self, service: str) -> dict[str, str]:
        """The container's environment for ``service``, moved from the compose network to this
        machine: the same variable names, only addresses and the data folder differ."""
        env = {**image_environment(), **service_environment(service, self.dotenv)}
        compose_url = urlsplit(env["DATABASE_URL"])
        ours = urlsplit(self.database_url)
        host = f"{compose_url.username}:{compose_url.password}@{ours.hostname}:{ours.port}"
        env["DATABASE_URL"] = urlunsplit((compose_url.scheme, host, ours.path, "", ""))
        env["DATA_DIR"] = str(self.folder / "data")
        env["PATH"] = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
        if "API_PORT" in env:
            env["API_HOST"], env["API_PORT"] = "127.0.0.1", str(self.api_port)
        if "WORKER_METRICS_ADDRESS" in env:
            self.worker_metrics_address = f"127.0.0.1:{free_port()}"
            env["WORKER_METRICS_ADDRESS"] = self.worker_metrics_address
        # Nothing of this machine's own configuration leaks in: only what a container gets
        # (HOME for Python, nothing named like a setting or Temporal's own variables).
        env["HOME"] = str(self.folder)
        return env

    def command(self, service: str) -> list[str]:
        entrypoint = image_entrypoint()
        console = Path(sys.executable).parent / entrypoint[0]
        return [str(console), *entrypoint[1:], *load_compose()["services"][service]["command"]]

    def run_one_shot(self, service: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(service),
            env=self.environment(service),
            cwd=self.folder,  # no stray .env of the repository is read
            capture_output=True,
            text=True,
            timeout=180,
        )

    def start(self, service: str) -> None:
        log = open(self.folder / f"{service}.log", "wb")  # noqa: SIM115
        self.processes[service] = subprocess.Popen(
            self.command(service),
            env=self.environment(service),
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def api_health_check(self) -> int:
        """The api service's compose health check, run as Docker runs it (against our port)."""
        test = load_compose()["services"]["api"]["healthcheck"]["test"]
        assert test[0] == "CMD"
        command = [part.replace("127.0.0.1:8000", f"127.0.0.1:{self.api_port}") for part in test]
        python = Path(sys.executable).parent / command[1]
        return subprocess.run([str(python), *command[2:]], capture_output=True).returncode

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def app_database(postgres: PostgresCluster) -> str:
    """app-db as compose makes it: a `lifeevents` role owning its own database."""
    name = "compose_app"
    url = postgres.new_database(name)
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("CREATE ROLE lifeevents LOGIN PASSWORD 'unused-trust-auth'")
        connection.execute(f"ALTER DATABASE {name} OWNER TO lifeevents")
        connection.execute("ALTER SCHEMA public OWNER TO lifeevents")
    return url


@dataclass
class Relay:
    """The mail relay: STARTTLS required, a login, a certificate from the operator's own CA."""

    server: SmtpServer
    login: Login
    ca_file: Path


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Relay]:
    authority = CertificateAuthority(tmp_path_factory.mktemp("relay-ca"))
    login = Login("lifeevents", secrets.token_urlsafe(16))
    context = authority.issue("127.0.0.1").server_context()
    with SmtpServer(free_port(), security="starttls", tls_context=context, login=login) as server:
        yield Relay(server, login, authority.ca_file)


@pytest.fixture(scope="module")
def topology(
    temporal_env: WorkflowEnvironment,
    app_database: str,
    relay: Relay,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ComposeTopology]:
    topology = ComposeTopology(
        tmp_path_factory.mktemp("compose"),
        temporal_env.client.service_client.config.target_host,
        app_database,
        {
            "SMTP_PORT": str(relay.server.port),
            "SMTP_USERNAME": relay.login.username,
            "SMTP_PASSWORD": relay.login.password,
            "SMTP_CA_FILE": str(relay.ca_file),
        },
    )
    yield topology
    topology.stop()


async def test_setup_then_api_and_worker_serve_a_journey(
    topology: ComposeTopology,
    temporal_client: Client,
    app_database: str,
    relay: Relay,
) -> None:
    settings = _settings(topology.environment("worker"))
    namespace = settings.temporal_namespace
    assert namespace != "default"  # a namespace the server does not have yet: setup makes it

    # 1. setup (one-shot): exits 0, having made the namespace, retention and search attributes.
    setup = topology.run_one_shot("setup")
    assert setup.returncode == 0, setup.stderr
    described = await temporal_client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=namespace)
    )
    retention = described.config.workflow_execution_retention_ttl.ToTimedelta().days
    assert retention == settings.temporal_retention_days
    listed = await temporal_client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    assert set(search_attribute_types()) <= set(listed.custom_attributes)
    # Idempotent: compose runs it on every `up`.
    assert topology.run_one_shot("setup").returncode == 0

    # 2. api and worker, once setup completed; the API's compose health check turns healthy.
    topology.start("api")
    topology.start("worker")
    wait_until_ready(f"{topology.api_url}/readyz", 60, topology.processes["api"])
    assert topology.api_health_check() == 0

    # 3. An operator creates an agency; its integrator registers a service run by its own
    # worker (agency SDK). The population registry holds the informant (no demo seeding here).
    with Session(create_engine(app_database)) as session:
        session.add(
            PopulationRecord(
                national_id=JORDAN.national_id,
                given_name=JORDAN.given_name,
                family_name=JORDAN.family_name,
                birth_date=JORDAN.birth_date,
            )
        )
        session.commit()
    operator = {"Authorization": f"Bearer {topology.operator_token}"}
    async with httpx.AsyncClient(base_url=topology.api_url, timeout=30) as api:
        created = await api.post(
            "/v1/agencies",
            json={"agency_id": "registry", "name": "Birth Registry"},
            headers=operator,
        )
        assert created.status_code == 201, created.text
        integrator = {"Authorization": f"Bearer {created.json()['api_key']}"}
        service_id = "registry.birth-record"
        task_queue = "agency-registry"
        registered = await api.post(
            "/v1/agencies/registry/services",
            headers=integrator,
            json={
                "service_id": service_id,
                "title": {"en": "Birth record", "fr": "Acte de naissance"},
                "life_events": ["birth"],
                "fields": ["child.given_name", "child.birth_date"],
                "delivery": {
                    "mode": "task_queue",
                    "task_queue": task_queue,
                    "activity": activity_name(service_id),
                },
                "sla": "PT1H",
            },
        )
        assert registered.status_code == 201, registered.text

        @service(service_id)
        async def record_birth(request: AgencyRequest) -> AgencyDecision:
            return AgencyDecision(decision="approved", reference=f"BR-{activity.info().attempt}")

        # The agency's worker: its own client, with the payload keys of its task queue.
        agency_client = await Client.connect(
            settings.effective_temporal_address,
            namespace=namespace,
            data_converter=data_converter(settings),
        )
        email = f"compose-{secrets.token_hex(4)}@example.org"
        async with build_worker(agency_client, task_queue, [record_birth]):
            intake = birth_intake(email=email, services=[service_id], consents=[service_id])
            answered = await api.post("/v1/life-events/birth/intakes", json=intake)
            assert answered.status_code == 202, answered.text
            journey_id = answered.json()["journey_id"]
            citizen = {"Authorization": f"Bearer {answered.json()['access_token']}"}
            status: dict[str, Any] = {}
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                response = await api.get(f"/v1/journeys/{journey_id}", headers=citizen)
                if response.status_code == 200 and response.json()["state"] in FINAL_STATES:
                    status = response.json()
                    break
                await asyncio.sleep(0.3)
        assert status.get("state") == "completed", (status, _logs(topology))
        step = next(step for step in status["steps"] if step["id"] == service_id)
        assert (step["state"], step["reference"]) == ("completed", "BR-1")
    # Prometheus's two targets as compose wires them: the API with the .env's METRICS_TOKEN, and
    # the worker on WORKER_METRICS_ADDRESS (the journey's own figures beside the SDK's).
    async with httpx.AsyncClient(timeout=10) as http:
        bearer = {"Authorization": f"Bearer {topology.dotenv['METRICS_TOKEN']}"}
        api_scrape = (await http.get(f"{topology.api_url}/metrics", headers=bearer)).text
        worker_scrape = (await http.get(f"http://{topology.worker_metrics_address}/metrics")).text
    accepted = {"life_event": "birth", "outcome": "accepted"}
    assert total(api_scrape, "lifeevents_intakes_total", **accepted) == 1, api_scrape
    ended = {"life_event": "birth", "state": "completed"}
    assert total(worker_scrape, "lifeevents_journeys_ended", **ended) == 1, worker_scrape
    assert total(worker_scrape, "lifeevents_messages_sent", language="en") >= 1
    assert "temporal_workflow_completed" in worker_scrape
    # The person heard from it through the relay, logged in over TLS.
    deadline = time.monotonic() + 30
    while not relay.server.inbox.messages(to=email) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert relay.server.inbox.messages(to=email)
    assert set(relay.login.attempts) == {(relay.login.username, True)}
    # Production processes: JSON logs (the image's LOG_FORMAT), none refused to start.
    assert all(process.poll() is None for process in topology.processes.values())


def _logs(topology: ComposeTopology) -> str:
    return "\n".join(
        path.read_text(errors="replace")[-3000:] for path in topology.folder.glob("*.log")
    )


def test_each_process_gets_compose_s_environment_alone() -> None:
    """Exactly the variables the image and compose set (the suite's own ENVIRONMENT=development
    does not leak in), and they pass production's checks of secrets."""
    assert os.environ.get("ENVIRONMENT") == "development"
    # A relay without a login: compose passes the unset SMTP_USERNAME and the rest as "".
    relay = {"SMTP_PORT": "25"}
    topology = ComposeTopology(
        Path("/nonexistent"), "127.0.0.1:7233", "postgresql://x@h:1/d", relay
    )
    for name in OURS:
        env = topology.environment(name)
        compose_names = set(load_compose()["services"][name]["environment"])
        assert set(env) == set(image_environment()) | compose_names | {"HOME"}
        assert env["ENVIRONMENT"] == "production"
        _settings(env).check_secrets()


def _settings(env: dict[str, str]) -> Settings:
    """The settings a process started with ``env`` reads (no .env file, nothing else)."""
    values: dict[str, Any] = {key.lower(): value for key, value in env.items()}
    return Settings(_env_file=None, **values)
