"""GET /metrics: the journey figures the API counts, for a Prometheus that holds METRICS_TOKEN
only; on the API in process, against the suite's Temporal dev server."""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.security.inprocess import InProcessApi, in_process_api, registration
from tests.support.stack import birth_intake

METRICS_TOKEN = "test-metrics-token-of-at-least-32-characters"


@pytest.fixture
def api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, temporal_env: WorkflowEnvironment
) -> Iterator[InProcessApi]:
    monkeypatch.setenv("METRICS_TOKEN", METRICS_TOKEN)
    with in_process_api(
        f"sqlite:///{tmp_path / 'app.db'}", tmp_path, monkeypatch, temporal_env
    ) as api:
        yield api


def _scrape(api: InProcessApi) -> str:
    response = api.client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    scraped: str = response.text
    return scraped


def _value(scraped: str, sample: str) -> float:
    """A sample's value, 0 when it is not there yet."""
    found = re.search(rf"^{re.escape(sample)} (\S+)$", scraped, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


ACCEPTED = 'lifeevents_intakes_total{life_event="birth",outcome="accepted",status="202"}'
REPLAYED = 'lifeevents_intakes_total{life_event="birth",outcome="replayed",status="200"}'
INVALID = 'lifeevents_intakes_total{life_event="birth",outcome="refused",status="422"}'
UNKNOWN = 'lifeevents_intakes_total{life_event="unknown",outcome="refused",status="404"}'


def test_a_scrape_counts_intakes_by_life_event_and_outcome(api: InProcessApi) -> None:
    api.agency("health")
    registered = api.client.post(
        "/v1/agencies/health/services",
        json=registration("health.child-health-card"),
        headers=api.as_agency("health"),
    )
    assert registered.status_code == 201, registered.text
    before = _scrape(api)
    card = ["health.child-health-card"]
    body = birth_intake(email="metrics@example.org", services=card, consents=card)
    headers = {"Idempotency-Key": "metrics-1"}
    accepted = api.client.post("/v1/life-events/birth/intakes", json=body, headers=headers)
    assert accepted.status_code == 202, accepted.text
    again = api.client.post("/v1/life-events/birth/intakes", json=body, headers=headers)
    assert again.status_code == 200, again.text
    assert api.client.post("/v1/life-events/birth/intakes", json={}).status_code == 422
    # An outsider's path never becomes a label: an unknown life event is counted as "unknown".
    assert api.client.post("/v1/life-events/no-such-event/intakes", json={}).status_code == 404
    after = _scrape(api)
    for sample in (ACCEPTED, REPLAYED, INVALID, UNKNOWN):
        assert _value(after, sample) == _value(before, sample) + 1, sample
    assert "no-such-event" not in after


def test_refused_callbacks_and_registry_events_are_counted(api: InProcessApi) -> None:
    assert api.client.post("/v1/agency-callbacks/cb-unknown", json={}).status_code in {401, 404}
    assert api.client.post("/v1/registry-events", json={}).status_code == 401
    scraped = _scrape(api)
    assert re.search(
        r'^lifeevents_agency_callbacks_total\{outcome="refused",status="40[14]"\} 1\.0$',
        scraped,
        re.MULTILINE,
    )
    assert _value(scraped, 'lifeevents_registry_events_total{outcome="refused",status="401"}') == 1


def test_metrics_refuse_a_missing_or_wrong_token(api: InProcessApi) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic eA=="}):
        response = api.client.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/problem+json"
        assert "lifeevents_" not in response.text


def test_metrics_are_not_there_without_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, temporal_env: WorkflowEnvironment
) -> None:
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    with in_process_api(
        f"sqlite:///{tmp_path / 'app.db'}", tmp_path, monkeypatch, temporal_env
    ) as api:
        response = api.client.get("/metrics", headers={"Authorization": "Bearer anything"})
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


def test_metrics_stay_out_of_the_openapi_description(api: InProcessApi) -> None:
    assert "/metrics" not in api.client.get("/openapi.json").json()["paths"]


def test_a_scrape_reads_the_journeys_by_state_from_temporal(api: InProcessApi) -> None:
    api.agency("health")
    api.client.post(
        "/v1/agencies/health/services",
        json=registration("health.child-health-card"),
        headers=api.as_agency("health"),
    )
    card = ["health.child-health-card"]
    body = birth_intake(email="counted@example.org", services=card, consents=card)
    accepted = api.client.post("/v1/life-events/birth/intakes", json=body)
    assert accepted.status_code == 202, accepted.text
    # Visibility is eventually consistent: the started journey shows within a few seconds.
    deadline = time.monotonic() + 10
    while True:
        scraped = _scrape(api)
        if _value(scraped, 'lifeevents_journeys{state="running"}') >= 1:
            break
        assert time.monotonic() < deadline, scraped
        time.sleep(0.2)
    assert _value(scraped, "lifeevents_journey_counts_up") == 1
    for state in ("waiting_for_citizen", "completed", "failed", "cancelled"):
        assert f'lifeevents_journeys{{state="{state}"}}' in scraped
