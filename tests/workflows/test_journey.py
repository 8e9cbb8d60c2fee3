"""LifeEventJourney and AgencyServiceWorkflow on the time-skipping server."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from core.models import AgencyDecision, JourneyStatus, PaymentTerms, ServicePlan
from core.search_attributes import JOURNEY_SLA_BREACHED
from tests.workflows.fakes import Recorder, journey_worker, service_plan, start_journey
from workflows.agency_service import AgencyServiceWorkflow
from workflows.journey import LifeEventJourney

TASK_QUEUE = "journeys-test"


@pytest.fixture
async def recorder(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Recorder]:
    recorder = Recorder()
    async with journey_worker(time_skipping_env.client, TASK_QUEUE, recorder):
        yield recorder


async def start(client: Client, *services: ServicePlan) -> WorkflowHandle[Any, JourneyStatus]:
    return await start_journey(client, TASK_QUEUE, *services)


async def wait_for_step_state(handle: WorkflowHandle[Any, JourneyStatus], state: str) -> None:
    for _ in range(200):
        status = await handle.query(LifeEventJourney.status)
        if any(step.state == state for step in status.steps):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no step reached {state}")


async def test_an_agency_that_never_decides_fails_the_step_at_its_sla(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    began = await time_skipping_env.get_current_time()
    handle = await start_journey(
        time_skipping_env.client, TASK_QUEUE, service_plan(sla=timedelta(days=10)), language="fr"
    )
    status = await handle.result()  # awaiting the result lets the server skip time
    assert await time_skipping_env.get_current_time() - began >= timedelta(days=10)
    assert status.state == "completed_with_issues"
    step = status.steps[1]
    assert (step.state, step.outcome) == ("failed", "agency_timeout")
    # Operators find the journey among those where an agency missed its SLA.
    described = await handle.describe()
    assert described.typed_search_attributes.get(JOURNEY_SLA_BREACHED) is True
    assert step.reasons == [
        "Provincial Health Plan did not decide within the service's time limit."
    ]
    assert [n.outcome for n in recorder.notifications] == ["failed", "summary"]
    # The person reads why in their language.
    assert recorder.notifications[0].reasons == [
        "Provincial Health Plan n'a pas rendu sa décision dans le délai prévu pour ce service."
    ]


async def test_a_late_decision_resumes_the_step_and_a_second_one_changes_nothing(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    paying = service_plan(payment=PaymentTerms(amount_cents=1000))
    handle = await start(time_skipping_env.client, paying)
    await wait_for_step_state(handle, "waiting_for_agency")
    child = time_skipping_env.client.get_workflow_handle(f"{handle.id}/{paying.service_id}")
    await child.signal(
        AgencyServiceWorkflow.agency_decision,
        AgencyDecision(decision="approved", reference="HC-1"),
    )
    await child.signal(
        AgencyServiceWorkflow.agency_decision,
        AgencyDecision(decision="rejected", reference="HC-2"),
    )
    status = await handle.result()
    assert status.state == "completed"
    assert (status.steps[1].outcome, status.steps[1].reference) == ("approved", "HC-1")
    assert [p.idempotency_key for p in recorder.payments] == [f"{child.id}/pay"]
    # The step's own message, then the journey's summary, once, at the end.
    assert [n.outcome for n in recorder.notifications] == ["approved", "summary"]
    summary = recorder.notifications[-1]
    assert summary.journey_state == "completed"
    assert [(s.outcome, s.reference) for s in summary.steps] == [("approved", "HC-1")]
    [submission] = recorder.submissions
    assert submission.idempotency_key == f"{child.id}/submit"
    assert submission.request.data == {"child": {"given_name": "Noah"}}


async def test_services_run_in_parallel_and_each_reports_its_own_outcome(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    recorder.decide_at_once = True
    handle = await start(
        time_skipping_env.client,
        service_plan("a.one"),
        service_plan("b.two"),
        service_plan("c.three"),
    )
    status = await handle.result()
    assert status.state == "completed"
    assert [(s.id, s.state, s.reference) for s in status.steps[1:]] == [
        ("a.one", "completed", "R-1"),
        ("b.two", "completed", "R-1"),
        ("c.three", "completed", "R-1"),
    ]


async def test_an_unverified_informant_reaches_no_agency(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    recorder.verified = False
    status = await (await start(time_skipping_env.client, service_plan())).result()
    assert status.state == "failed"
    assert [s.state for s in status.steps] == ["failed", "skipped"]
    assert recorder.submissions == []
    # No agency heard of it; the person hears why, once.
    [summary] = recorder.notifications
    assert (summary.outcome, summary.journey_state) == ("summary", "failed")
