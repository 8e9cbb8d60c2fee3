"""An agency's later decision (the ``agency_decision`` signal a callback becomes) may echo the
person's data in its message: the step redacts it, with the data it sent that agency, before
the message reaches the journey's status or a notification."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from core.models import AgencyDecision, JourneyStatus
from tests.workflows.fakes import Recorder, journey_worker, service_plan, start_journey
from workflows.agency_service import AgencyServiceWorkflow
from workflows.journey import LifeEventJourney

TASK_QUEUE = "late-decision-redaction"
SERVICE = service_plan("health.card", fields=["child.given_name", "child.birth_date"])
# The child's given name and birth date, as sent to the agency (INTAKE in fakes.py).
ECHO = "NOAH, born 2026-11-20: Noah is not on our register."
REDACTED = "[redacted], born [redacted]: [redacted] is not on our register."


@pytest.fixture
async def recorder(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Recorder]:
    recorder = Recorder()  # the agency decides later, by callback
    async with journey_worker(time_skipping_env.client, TASK_QUEUE, recorder):
        yield recorder


async def _waiting_for_agency(env: WorkflowEnvironment) -> WorkflowHandle[Any, JourneyStatus]:
    handle = await start_journey(env.client, TASK_QUEUE, SERVICE)
    for _ in range(200):
        status = await handle.query(LifeEventJourney.status)
        if status.steps[1].state == "waiting_for_agency":
            return handle
        await asyncio.sleep(0.05)
    raise AssertionError("the step never waited for its agency")


async def test_a_later_rejection_echoing_the_childs_data_is_redacted(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    handle = await _waiting_for_agency(time_skipping_env)
    [submission] = recorder.submissions
    assert submission.request.data == {"child": {"given_name": "Noah", "birth_date": "2026-11-20"}}
    child = time_skipping_env.client.get_workflow_handle(f"{handle.id}/{SERVICE.service_id}")
    await child.signal(
        AgencyServiceWorkflow.agency_decision,
        AgencyDecision(decision="rejected", reference="HC-9", message=ECHO),
    )
    status = await handle.result()
    step = status.steps[1]
    assert (step.outcome, step.reasons) == ("rejected", [REDACTED])
    [notification, summary] = recorder.notifications
    assert (notification.outcome, notification.agency_message) == ("rejected", REDACTED)
    assert summary.outcome == "summary" and "noah" not in summary.model_dump_json().lower()
    assert "noah" not in status.model_dump_json().lower()
    assert "2026-11-20" not in status.model_dump_json()


async def test_a_later_request_for_information_echoing_the_childs_data_is_redacted(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    handle = await _waiting_for_agency(time_skipping_env)
    child = time_skipping_env.client.get_workflow_handle(f"{handle.id}/{SERVICE.service_id}")
    await child.signal(
        AgencyServiceWorkflow.agency_decision,
        AgencyDecision(decision="needs_information", requested=["bank_account"], message=ECHO),
    )
    for _ in range(200):
        status = await handle.query(LifeEventJourney.status)
        if status.requests:
            break
        await asyncio.sleep(0.05)
    [request] = status.requests
    assert (request.kind, request.message) == ("information", REDACTED)
    await handle.terminate("done")
