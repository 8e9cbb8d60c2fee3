"""The journey figures the workflows record on Temporal's metric meter, scraped from the
worker's Prometheus endpoint: journeys started and ended, time to outcome, step duration by
service and agency, SLA breaches. On the time-skipping server (an SLA of two days passes at
once), with a worker that keeps no workflow in its cache, so every workflow task replays the
history from the start: a figure counted on replay would be counted several times."""

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.agency_request import prepare_agency_request
from activities.eligibility import check_eligibility
from core.settings import get_settings
from core.temporal import data_converter, metrics_runtime
from tests.support.ports import free_port
from tests.support.prometheus import samples, total
from tests.workflows.fakes import Recorder, service_plan, start_journey
from workflows import metrics
from workflows.agency_service import AgencyServiceWorkflow
from workflows.journey import LifeEventJourney
from workflows.worker import WORKFLOW_RUNNER

TASK_QUEUE = "metrics-test"


@pytest.fixture
async def metrics_address(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[str]:
    """A worker whose client's runtime serves Prometheus on the address yielded."""
    address = f"127.0.0.1:{free_port()}"
    settings = get_settings().model_copy(update={"worker_metrics_address": address})
    client = await Client.connect(
        time_skipping_env.client.service_client.config.target_host,
        namespace=time_skipping_env.client.namespace,
        data_converter=data_converter(settings),
        runtime=metrics_runtime(settings, metrics.HISTOGRAM_BUCKETS),
    )
    # The health plan decides at once; any other agency never does.
    recorder = Recorder(
        script={"health.child-health-card": [{"decision": "approved", "reference": "OK-1"}]}
    )
    async with Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[LifeEventJourney, AgencyServiceWorkflow],
        activities=[*recorder.activities(), check_eligibility, prepare_agency_request],
        workflow_runner=WORKFLOW_RUNNER,
        max_cached_workflows=0,  # every task replays the history first
    ):
        yield address


async def test_a_journey_is_counted_once_with_its_steps_and_sla_breach(
    time_skipping_env: WorkflowEnvironment, metrics_address: str
) -> None:
    # The slow agency's SLA of two days fails its step.
    handle = await start_journey(
        time_skipping_env.client,
        TASK_QUEUE,
        service_plan("health.child-health-card"),
        service_plan("slow.agency", agency_id="slow", sla=timedelta(days=2)),
    )
    result = await handle.result()
    assert result.state == "completed_with_issues"
    async with httpx.AsyncClient() as http:
        scraped = (await http.get(f"http://{metrics_address}/metrics")).text

    birth = {"life_event": "birth"}
    assert total(scraped, metrics.JOURNEYS_STARTED, **birth, start="intake") == 1
    ended = {**birth, "state": "completed_with_issues"}
    assert total(scraped, metrics.JOURNEYS_ENDED, **ended) == 1
    assert total(scraped, f"{metrics.JOURNEY_DURATION}_count", **ended) == 1
    # Workflow time: the two days the SLA took, not the milliseconds the test did.
    took = total(scraped, f"{metrics.JOURNEY_DURATION}_sum", **ended)
    assert timedelta(days=2) <= timedelta(seconds=took) < timedelta(days=3)
    # Buckets in seconds up to weeks (the override), not the SDK's default milliseconds.
    assert samples(scraped, f"{metrics.JOURNEY_DURATION}_bucket", **ended, le="172800") == [0]
    assert samples(scraped, f"{metrics.JOURNEY_DURATION}_bucket", **ended, le="432000") == [1]

    approved = {"service": "health.child-health-card", "agency": "health"}
    assert (
        total(
            scraped,
            f"{metrics.STEP_DURATION}_count",
            **approved,
            state="completed",
            outcome="approved",
        )
        == 1
    )
    timed_out = {"service": "slow.agency", "agency": "slow"}
    assert (
        total(
            scraped,
            f"{metrics.STEP_DURATION}_count",
            **timed_out,
            state="failed",
            outcome="agency_timeout",
        )
        == 1
    )
    assert total(scraped, metrics.SLA_BREACHES, **timed_out, action="failed") == 1
    assert total(scraped, metrics.SLA_BREACHES, **approved) == 0
