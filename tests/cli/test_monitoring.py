"""The monitoring that docker-compose.yml adds (monitoring/): Prometheus' scrape configuration,
Grafana's provisioned data source and dashboard. No Docker engine runs here: the files are
parsed, and every metric a dashboard panel queries is checked against real scrapes, of the API
(GET /metrics with its token) and of a worker that ran journeys (one with an SLA breach) and
sent a real e-mail."""

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.agency_request import prepare_agency_request
from activities.eligibility import check_eligibility
from activities.notification import send_notification
from core.settings import get_settings
from core.temporal import data_converter, metrics_runtime
from tests.security.inprocess import in_process_api
from tests.support.compose import ROOT, load_compose
from tests.support.ports import free_port
from tests.support.prometheus import metric_names
from tests.support.smtp import SmtpServer
from tests.support.stack import birth_intake
from tests.workflows.fakes import Recorder, service_plan, start_journey
from workflows import metrics
from workflows.agency_service import AgencyServiceWorkflow
from workflows.journey import LifeEventJourney
from workflows.worker import WORKFLOW_RUNNER

MONITORING = ROOT / "monitoring"
PROMETHEUS_CONFIG = MONITORING / "prometheus" / "prometheus.yml"
DATASOURCES = MONITORING / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD_PROVIDERS = MONITORING / "grafana" / "provisioning" / "dashboards" / "lifeevents.yml"
DASHBOARDS = MONITORING / "grafana" / "dashboards"
METRICS_TOKEN = "monitoring-test-token-of-at-least-32-characters"

# PromQL's own words, which look like metric names in an expression.
PROMQL_WORDS = {
    "sum", "by", "without", "rate", "increase", "histogram_quantile", "le", "avg", "max",
    "min", "count", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "offset", "topk", "bottomk",
}  # fmt: skip


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def _queried_metrics(expression: str) -> set[str]:
    """The metric names an expression selects: identifiers outside {…} and […], not PromQL's
    words, not a label name in by (…)."""
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"", " ", expression)
    bare = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", " ", bare)
    names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", bare)) - PROMQL_WORDS
    return {name for name in names if not re.fullmatch(r"\d.*", name)}


def _dashboards() -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))]


def test_prometheus_scrapes_the_api_with_its_token_and_every_worker() -> None:
    config = _yaml(PROMETHEUS_CONFIG)
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    api = jobs["lifeevents-api"]
    assert api["static_configs"] == [{"targets": ["api:8000"]}]
    assert api["metrics_path"] == "/metrics"
    assert api["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
    worker = jobs["lifeevents-worker"]
    # Every replica (one address each in compose's DNS), on WORKER_METRICS_ADDRESS' port.
    assert worker["dns_sd_configs"] == [{"names": ["worker"], "type": "A", "port": 9464}]
    services = load_compose()["services"]
    assert services["worker"]["environment"]["WORKER_METRICS_ADDRESS"] == "0.0.0.0:9464"
    assert services["api"]["environment"]["METRICS_TOKEN"] == "${METRICS_TOKEN:?set METRICS_TOKEN}"


def test_compose_mounts_the_files_and_hands_prometheus_the_token() -> None:
    compose = load_compose()
    prometheus, grafana = compose["services"]["prometheus"], compose["services"]["grafana"]
    assert compose["secrets"]["metrics_token"] == {"environment": "METRICS_TOKEN"}
    assert prometheus["secrets"] == ["metrics_token"]
    mounts = [*prometheus["volumes"], *grafana["volumes"]]
    for mount in mounts:
        source = mount.split(":", 1)[0]
        if source.startswith("./"):
            assert (ROOT / source).exists(), mount
            assert mount.endswith(":ro"), mount
    assert "./monitoring/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in mounts
    assert "./monitoring/grafana/dashboards:/var/lib/grafana/dashboards:ro" in mounts
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    # Grafana's own login: no default password, no anonymous access, no sign-up.
    env = grafana["environment"]
    assert env["GF_SECURITY_ADMIN_PASSWORD"] == (
        "${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD}"
    )
    assert (env["GF_AUTH_ANONYMOUS_ENABLED"], env["GF_USERS_ALLOW_SIGN_UP"]) == ("false", "false")


def test_grafana_is_provisioned_with_prometheus_and_the_dashboards_folder() -> None:
    [datasource] = _yaml(DATASOURCES)["datasources"]
    assert (datasource["type"], datasource["url"]) == ("prometheus", "http://prometheus:9090")
    [provider] = _yaml(DASHBOARD_PROVIDERS)["providers"]
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"
    [dashboard] = _dashboards()
    uids = {
        target["datasource"]["uid"]
        for panel in _panels(dashboard)
        for target in panel.get("targets", [])
    }
    assert uids == {datasource["uid"]}
    # Panels do not overlap on Grafana's 24-column grid.
    cells: set[tuple[int, int]] = set()
    for panel in _panels(dashboard):
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        area = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & area, panel["title"]
        cells |= area


def test_the_dashboard_shows_journeys_time_to_outcome_sla_breaches_and_the_sdk() -> None:
    [dashboard] = _dashboards()
    queried = {
        name
        for panel in _panels(dashboard)
        for target in panel.get("targets", [])
        for name in _queried_metrics(target["expr"])
    }
    for metric in (
        "lifeevents_journeys",
        "lifeevents_journeys_started",
        "lifeevents_journeys_ended",
        f"{metrics.JOURNEY_DURATION}_bucket",
        f"{metrics.STEP_DURATION}_bucket",
        metrics.SLA_BREACHES,
        "temporal_workflow_task_schedule_to_start_latency_bucket",
    ):
        assert metric in queried, metric


@pytest.fixture(scope="module")
async def scraped(
    tmp_path_factory: pytest.TempPathFactory, temporal_env: WorkflowEnvironment, smtp: SmtpServer
) -> AsyncIterator[set[str]]:
    """The series names of a real scrape of the API, after an intake and a refused callback, and
    of a worker, after a journey where one agency decided and one missed its SLA, e-mails sent
    for real."""
    folder = tmp_path_factory.mktemp("monitoring")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("METRICS_TOKEN", METRICS_TOKEN)
        monkeypatch.setenv("SMTP_PORT", str(smtp.port))
        # Intakes start journeys on a task queue no worker polls: the API's side only.
        monkeypatch.setenv("TASK_QUEUE", f"nobody-{uuid.uuid4().hex}")
        with in_process_api(
            f"sqlite:///{folder / 'app.db'}", folder, monkeypatch, temporal_env
        ) as api:
            body = birth_intake(email="monitoring@example.org", services=[], consents=[])
            assert api.client.post("/v1/life-events/birth/intakes", json=body).status_code < 500
            forged = api.client.post("/v1/agency-callbacks/cb-unknown", json={})
            assert forged.status_code in {401, 404}
            answer = api.client.get(
                "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
            )
            assert answer.status_code == 200, answer.text
            api_names = metric_names(answer.text)
            worker_names = await _run_journeys(temporal_env)
    yield api_names | worker_names


async def _run_journeys(temporal_env: WorkflowEnvironment) -> set[str]:
    address = f"127.0.0.1:{free_port()}"
    settings = get_settings().model_copy(update={"worker_metrics_address": address})
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host,
        namespace=temporal_env.client.namespace,
        data_converter=data_converter(settings),
        runtime=metrics_runtime(settings, metrics.HISTOGRAM_BUCKETS),
    )
    task_queue = f"monitoring-{uuid.uuid4().hex}"
    recorder = Recorder(
        script={"health.child-health-card": [{"decision": "approved", "reference": "OK-1"}]}
    )
    fakes = [a for a in recorder.activities() if a.__name__ != "send_notification"]
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[LifeEventJourney, AgencyServiceWorkflow],
            activities=[*fakes, send_notification, check_eligibility, prepare_agency_request],
            activity_executor=executor,
            workflow_runner=WORKFLOW_RUNNER,
        ):
            handle = await start_journey(
                client,
                task_queue,
                service_plan("health.child-health-card"),
                # No decision within two seconds: the SLA fails the step.
                service_plan("slow.agency", agency_id="slow", sla=timedelta(seconds=2)),
            )
            ended = await handle.result()
            assert ended.state == "completed_with_issues", ended
    async with httpx.AsyncClient() as http:
        return metric_names((await http.get(f"http://{address}/metrics")).text)


def test_every_metric_a_panel_queries_is_exported(scraped: set[str]) -> None:
    for dashboard in _dashboards():
        for panel in _panels(dashboard):
            for target in panel.get("targets", []):
                for name in _queried_metrics(target["expr"]):
                    assert name in scraped, (panel["title"], name)
