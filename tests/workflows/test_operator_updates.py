"""Operators' updates on the time-skipping server: resolving an escalation each of the four
ways, sending a request to the agency again, and giving the person more time or the same e-mail
again; each validator refuses what does not apply."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from core.models import (
    DeadlineExtension,
    DeadlinePlan,
    EscalationResolution,
    JourneyStatus,
    LocalizedText,
    MessageResend,
    Resubmission,
    ServicePlan,
)
from tests.workflows.fakes import Recorder, journey_worker, service_plan, start_journey
from tests.workflows.test_engine import ASK, status_when, step
from workflows.journey import LifeEventJourney
from workflows.names import AGENCY_DECISION

TASK_QUEUE = "operator-updates-test"
SLOW = "slow.agency"
REASON = "The agency confirmed by phone"
Handle = WorkflowHandle[Any, JourneyStatus]


@pytest.fixture
async def recorder(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Recorder]:
    recorder = Recorder(decide_at_once=False)
    async with journey_worker(time_skipping_env.client, TASK_QUEUE, recorder):
        yield recorder


async def start(client: Client, *services: ServicePlan, **plan: Any) -> Handle:
    return await start_journey(client, TASK_QUEUE, *services, **plan)


async def escalated(env: WorkflowEnvironment) -> Handle:
    """A journey whose one step's agency missed its SLA, escalated to operators."""
    handle = await start(env.client, service_plan(SLOW, sla=timedelta(days=2), on_sla="escalate"))
    await status_when(handle, lambda s: step(s, SLOW).state == "waiting_for_agency")
    await env.sleep(timedelta(days=3))
    await status_when(handle, lambda s: step(s, SLOW).escalated)
    return handle


def resolution(action: str, **more: Any) -> EscalationResolution:
    return EscalationResolution(step_id=SLOW, action=action, reason=REASON, **more)


async def test_an_operator_records_the_decision_the_agency_gave_another_way(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    handle = await escalated(time_skipping_env)
    answer = await handle.execute_update(
        LifeEventJourney.resolve_escalation,
        resolution("record_decision", decision="approved", reference="BY-PHONE-1"),
    )
    assert step(answer, SLOW).escalated is False
    status = await handle.result()
    assert (status.state, step(status, SLOW).reference) == ("completed", "BY-PHONE-1")
    assert "approved" in [n.outcome for n in recorder.notifications]


async def test_an_operator_skips_an_escalated_step(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    handle = await escalated(time_skipping_env)
    await handle.execute_update(LifeEventJourney.resolve_escalation, resolution("skip"))
    status = await handle.result()
    skipped = step(status, SLOW)
    assert (status.state, skipped.state, skipped.outcome) == (
        "completed_with_issues",
        "skipped",
        "operator_skipped",
    )
    [told] = [n for n in recorder.notifications if n.outcome == "failed"]
    assert told.reasons == ["Our staff ended this step without the agency's decision."]


async def test_an_operator_has_an_escalated_step_sent_again_under_a_new_key(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    handle = await escalated(time_skipping_env)
    await handle.execute_update(LifeEventJourney.resolve_escalation, resolution("resubmit"))
    await status_when(handle, lambda _: len(recorder.submissions) == 2)
    keys = [s.idempotency_key for s in recorder.submissions]
    assert keys == [f"{handle.id}/{SLOW}/submit", f"{handle.id}/{SLOW}/submit/2"]
    assert recorder.submissions[1].request.round == 2
    waiting = await status_when(handle, lambda s: step(s, SLOW).state == "waiting_for_agency")
    assert step(waiting, SLOW).escalated is False
    child = time_skipping_env.client.get_workflow_handle(f"{handle.id}/{SLOW}")
    await child.signal(AGENCY_DECISION, {"decision": "approved", "reference": "R-2", "round": 2})
    assert (await handle.result()).state == "completed"


async def test_an_operator_cancels_the_journey_of_an_escalated_step(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    handle = await escalated(time_skipping_env)
    await handle.execute_update(LifeEventJourney.resolve_escalation, resolution("cancel_journey"))
    status = await handle.result()
    assert (status.state, step(status, SLOW).state) == ("cancelled", "cancelled")


async def test_a_step_that_is_not_escalated_cannot_be_resolved_but_can_be_sent_again(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    handle = await start(time_skipping_env.client, service_plan(SLOW), service_plan("other.one"))
    await status_when(handle, lambda s: step(s, SLOW).state == "waiting_for_agency")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(LifeEventJourney.resolve_escalation, resolution("skip"))
    assert "'slow.agency' is not escalated (it is waiting_for_agency)" in str(refused.value.cause)
    with pytest.raises(WorkflowUpdateFailedError) as unknown:
        await handle.execute_update(
            LifeEventJourney.resubmit, Resubmission(step_id="nope", reason=REASON)
        )
    assert "'nope' is not a service of this journey" in str(unknown.value.cause)

    await handle.execute_update(
        LifeEventJourney.resubmit, Resubmission(step_id=SLOW, reason=REASON)
    )
    await status_when(
        handle,
        lambda s: (
            step(s, SLOW).state == "waiting_for_agency"
            and [sent.request.round for sent in recorder.submissions].count(2) == 1
        ),
    )
    await handle.terminate()  # once the step has told its journey where it stands


async def test_an_operator_gives_the_person_more_time_to_consent_and_sends_the_e_mail_again(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    recorder.decide_at_once = True
    now = await time_skipping_env.get_current_time()
    deadline = DeadlinePlan(
        id="registration",
        title=LocalizedText(en="Register within 30 days", fr="30 jours"),
        due_at=now + timedelta(days=30),
        services=[SLOW],
    )
    handle = await start(
        time_skipping_env.client, service_plan(SLOW, consent=None), deadlines=[deadline]
    )
    await status_when(handle, lambda s: s.state == "waiting_for_citizen")
    request_id = f"consent/{SLOW}"
    with pytest.raises(ValidationError):  # beyond 90 days: the model refuses
        DeadlineExtension(request_id=request_id, days=91, reason=REASON)
    extended = await handle.execute_update(
        LifeEventJourney.extend_deadline,
        DeadlineExtension(request_id=request_id, days=10, reason=REASON),
    )
    assert extended.due_at == deadline.due_at + timedelta(days=10)
    await handle.execute_update(
        LifeEventJourney.resend_message, MessageResend(request_id=request_id, reason=REASON)
    )
    resent = [n for n in recorder.notifications if n.idempotency_key.endswith("/resend/1")]
    assert [(n.outcome, n.idempotency_key) for n in resent] == [
        ("consent_needed", f"{handle.id}/{request_id}/resend/1")
    ]
    await time_skipping_env.sleep(timedelta(days=35))  # past the legal deadline, not the new one
    status = await handle.query(LifeEventJourney.status)
    assert step(status, SLOW).state == "waiting_for_citizen"
    assert status.requests[0].due_at == deadline.due_at + timedelta(days=10)
    status = await handle.result()  # nobody answers: the extended date passes
    assert step(status, SLOW).state == "failed"


async def test_an_operator_extends_a_request_for_information_and_resends_it(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    recorder.script = {SLOW: [ASK]}
    handle = await start(
        time_skipping_env.client,
        service_plan(
            SLOW, reminder_every=timedelta(days=60), information_deadline=timedelta(days=30)
        ),
    )
    waiting = await status_when(handle, lambda s: s.state == "waiting_for_citizen")
    [request] = waiting.requests
    extended = await handle.execute_update(
        LifeEventJourney.extend_deadline,
        DeadlineExtension(request_id=request.id, days=20, reason=REASON),
    )
    assert request.due_at is not None
    assert extended.due_at == request.due_at + timedelta(days=20)
    await handle.execute_update(
        LifeEventJourney.resend_message, MessageResend(request_id=request.id, reason=REASON)
    )
    await status_when(
        handle,
        lambda _: any(n.idempotency_key.endswith("/resend/1") for n in recorder.notifications),
    )
    await time_skipping_env.sleep(timedelta(days=40))  # past 30 days, within 50
    status = await handle.query(LifeEventJourney.status)
    assert step(status, SLOW).state == "waiting_for_citizen"
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            LifeEventJourney.resend_message, MessageResend(request_id="nope", reason=REASON)
        )
    assert "No request 'nope'" in str(refused.value.cause)
    status = await handle.result()
    assert step(status, SLOW).outcome == "information_not_given"
