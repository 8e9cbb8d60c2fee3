"""The engine's rules on the time-skipping server: dependencies, consent, requests for
information, legal deadlines, cancellation with compensation, and a 25-service plan."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from core.models import (
    CancelRequest,
    ConsentAnswer,
    DeadlinePlan,
    InformationAnswer,
    JourneyStatus,
    LocalizedText,
    PaymentTerms,
    ServicePlan,
    WebhookDelivery,
)
from core.search_attributes import (
    JOURNEY_ESCALATED,
    JOURNEY_SLA_BREACHED,
    JOURNEY_WAITING_SINCE,
)
from tests.workflows.fakes import Recorder, journey_worker, service_plan, start_journey
from workflows.journey import LifeEventJourney
from workflows.names import AGENCY_DECISION

APPROVED = {"decision": "approved", "reference": "OK-1"}
REJECTED = {"decision": "rejected", "reference": "NO-1", "message": "Not on our records."}
ASK = {"decision": "needs_information", "requested": ["bank_account"], "message": "Where to pay?"}
Handle = WorkflowHandle[Any, JourneyStatus]


TASK_QUEUE = "engine-test"


@pytest.fixture
async def recorder(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Recorder]:
    recorder = Recorder(decide_at_once=True)
    async with journey_worker(time_skipping_env.client, TASK_QUEUE, recorder):
        yield recorder


async def start(
    client: Client, *services: ServicePlan, deadlines: list[DeadlinePlan] | None = None
) -> WorkflowHandle[Any, JourneyStatus]:
    return await start_journey(client, TASK_QUEUE, *services, deadlines=deadlines)


async def status_when(handle: Handle, check: Any) -> JourneyStatus:
    for _ in range(200):
        status = await handle.query(LifeEventJourney.status)
        if check(status):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"never reached: {status}")


def step(status: JourneyStatus, step_id: str) -> Any:
    return next(s for s in status.steps if s.id == step_id)


async def test_a_step_runs_after_what_it_needs_and_gets_its_reference(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    registration = service_plan("vital.registration")
    benefit = service_plan("revenue.benefit", needs=["vital.registration"])
    recorder.script = {"vital.registration": [{**APPROVED, "reference": "BR-42"}]}
    status = await (await start(time_skipping_env.client, benefit, registration)).result()
    assert status.state == "completed"
    order = [s.request.service_id for s in recorder.submissions]
    assert order == ["vital.registration", "revenue.benefit"]
    assert recorder.submissions[1].request.prerequisites == {"vital.registration": "BR-42"}


async def test_a_failed_step_skips_its_dependants_but_not_unrelated_steps(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    recorder.script = {"vital.registration": [REJECTED]}
    status = await (
        await start(
            time_skipping_env.client,
            service_plan("vital.registration"),
            service_plan("revenue.benefit", needs=["vital.registration"]),
            service_plan("health.card"),
        )
    ).result()
    assert status.state == "completed_with_issues"
    assert step(status, "vital.registration").outcome == "rejected"
    assert (step(status, "revenue.benefit").state, step(status, "revenue.benefit").reasons) == (
        "skipped",
        ["It needs Health card, which did not complete."],
    )
    assert step(status, "health.card").state == "completed"


async def test_a_missing_consent_halts_only_that_step_until_the_person_answers(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    handle = await start(
        time_skipping_env.client,
        service_plan("health.card", consent=None, purpose=LocalizedText(en="Enrol", fr="Inscrire")),
        service_plan("tax.update"),
    )
    waiting = await status_when(handle, lambda s: s.state == "waiting_for_citizen")
    assert step(waiting, "health.card").state == "waiting_for_citizen"
    [request] = waiting.requests
    assert (request.id, request.kind, request.purpose and request.purpose.en) == (
        "consent/health.card",
        "consent",
        "Enrol",
    )
    assert "consent_needed" in [n.outcome for n in recorder.notifications]
    # Operators find it among journeys waiting on the person, and since when.
    since = (await handle.describe()).typed_search_attributes.get(JOURNEY_WAITING_SINCE)
    now = await time_skipping_env.get_current_time()
    assert since is not None and 0 <= now.timestamp() - since < 60

    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(
            LifeEventJourney.give_consent, ConsentAnswer(service_id="nope", given=True)
        )
    await handle.execute_update(
        LifeEventJourney.give_consent, ConsentAnswer(service_id="health.card", given=True)
    )
    status = await handle.result()
    assert status.state == "completed"
    assert status.requests[0].state == "answered"
    # No longer waiting on the person: no longer found so.
    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(JOURNEY_WAITING_SINCE) is None
    assert [(c.service_id, c.given, c.source) for c in recorder.consents] == [
        ("tax.update", True, "intake"),
        ("health.card", True, "citizen"),
    ]


async def test_refusing_consent_skips_that_service_only(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    handle = await start(
        time_skipping_env.client,
        service_plan("health.card", consent=None),
        service_plan("tax.update"),
    )
    await status_when(handle, lambda s: s.state == "waiting_for_citizen")
    await handle.execute_update(
        LifeEventJourney.give_consent, ConsentAnswer(service_id="health.card", given=False)
    )
    status = await handle.result()
    assert step(status, "health.card").state == "skipped"
    assert step(status, "tax.update").state == "completed"
    assert "health.card" not in [s.request.service_id for s in recorder.submissions]


async def test_consent_can_be_withdrawn_before_the_step_runs_but_not_after(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    recorder.decide_at_once = False  # the first step waits for its agency
    handle = await start(
        time_skipping_env.client,
        service_plan("vital.registration"),
        service_plan("revenue.benefit", needs=["vital.registration"]),
    )
    await status_when(handle, lambda s: step(s, "vital.registration").state == "waiting_for_agency")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            LifeEventJourney.give_consent,
            ConsentAnswer(service_id="vital.registration", given=False),
        )
    assert "already received your data" in str(refused.value.cause)
    await handle.execute_update(
        LifeEventJourney.give_consent, ConsentAnswer(service_id="revenue.benefit", given=False)
    )
    child = time_skipping_env.client.get_workflow_handle(f"{handle.id}/vital.registration")
    await child.signal(AGENCY_DECISION, APPROVED)
    status = await handle.result()
    assert step(status, "revenue.benefit").state == "skipped"
    assert step(status, "revenue.benefit").reasons == [
        "You did not consent to share your data for this service."
    ]


async def test_an_agency_can_ask_the_person_and_the_step_resumes_with_the_answer(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    recorder.script = {"pension.survivor": [ASK, APPROVED]}
    handle = await start(
        time_skipping_env.client,
        service_plan(
            "pension.survivor",
            reminder_every=timedelta(days=7),
            information_deadline=timedelta(days=30),
        ),
    )
    waiting = await status_when(handle, lambda s: s.state == "waiting_for_citizen")
    [request] = waiting.requests
    assert (request.kind, request.requested, request.message) == (
        "information",
        ["bank_account"],
        "Where to pay?",
    )

    # Only what was asked, all of it.
    for wrong in ({"iban": "x"}, {}, {"bank_account": "1", "extra": "2"}):
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(
                LifeEventJourney.provide_information,
                InformationAnswer(request_id=request.id, answers=wrong),
            )
    # Eight days pass: one reminder went out.
    await time_skipping_env.sleep(timedelta(days=8))
    assert [n.outcome for n in recorder.notifications] == ["information_needed", "reminder"]

    await handle.execute_update(
        LifeEventJourney.provide_information,
        InformationAnswer(request_id=request.id, answers={"bank_account": "00123-456"}),
    )
    status = await handle.result()
    assert status.state == "completed"
    assert status.requests[0].state == "answered"
    first, second = recorder.submissions
    assert (second.request.round, second.request.information) == (2, {"bank_account": "00123-456"})
    assert second.idempotency_key == f"{first.idempotency_key}/2"


async def test_an_unanswered_request_ends_the_step_at_its_deadline(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    recorder.script = {"pension.survivor": [ASK]}
    handle = await start(
        time_skipping_env.client,
        service_plan(
            "pension.survivor",
            information_deadline=timedelta(days=30),
        ),
    )
    status = await handle.result()
    assert (step(status, "pension.survivor").state, step(status, "pension.survivor").outcome) == (
        "failed",
        "information_not_given",
    )
    assert status.requests[0].state == "expired"
    reminders = [n for n in recorder.notifications if n.outcome == "reminder"]
    assert len(reminders) == 4  # days 7, 14, 21 and 28


async def test_a_legal_deadline_ends_a_step_still_waiting_for_the_person(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    now = await time_skipping_env.get_current_time()
    deadline = DeadlinePlan(
        id="registration",
        title=LocalizedText(en="Register within 30 days", fr="30 jours"),
        due_at=now + timedelta(days=30),
        services=["vital.registration"],
    )
    handle = await start(
        time_skipping_env.client,
        service_plan("vital.registration", consent=None),
        deadlines=[deadline],
    )
    status = await handle.result()
    registration = step(status, "vital.registration")
    assert registration.state == "failed"
    assert registration.deadline_at == deadline.due_at
    assert registration.reasons == [
        f"The deadline passed (Register within 30 days, {deadline.due_at.date().isoformat()})."
    ]
    assert status.deadlines == [deadline]


async def test_cancelling_stops_pending_steps_and_undoes_finished_ones_in_reverse_order(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    withdrawal = WebhookDelivery(url="http://127.0.0.1:9/withdraw")
    recorder.script = {"a.first": [APPROVED], "b.second": [APPROVED]}
    recorder.decide_at_once = False
    handle = await start(
        time_skipping_env.client,
        service_plan("a.first", withdrawal=withdrawal),
        service_plan(
            "b.second",
            needs=["a.first"],
            withdrawal=withdrawal,
            payment=PaymentTerms(amount_cents=500),
        ),
        service_plan("c.waiting", withdrawal=withdrawal),
        service_plan("d.later", needs=["c.waiting"]),
    )
    await status_when(
        handle,
        lambda s: (
            step(s, "b.second").state == "completed"
            and step(s, "c.waiting").state == "waiting_for_agency"
        ),
    )
    await handle.execute_update(LifeEventJourney.cancel, CancelRequest(reason="changed my mind"))
    status = await handle.result()
    assert status.state == "cancelled"
    assert step(status, "d.later").state == "cancelled"
    assert (step(status, "c.waiting").state, step(status, "c.waiting").compensations) == (
        "cancelled",
        ["withdrawn"],
    )
    assert step(status, "b.second").compensations == ["payment_reversed", "withdrawn"]
    assert step(status, "a.first").compensations == ["withdrawn"]
    # The in-flight step undoes itself first; then the finished ones, last finished first.
    assert [w.service_id for w in recorder.withdrawals] == ["c.waiting", "b.second", "a.first"]
    assert [r.idempotency_key for r in recorder.reversals] == [f"{handle.id}/b.second/pay"]
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):  # the journey is over
        await handle.execute_update(LifeEventJourney.cancel, CancelRequest())


async def test_a_plan_of_25_services_completes_far_under_history_limits(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    services = [service_plan(f"service.s{i:02d}") for i in range(25)]
    handle = await start(time_skipping_env.client, *services)
    status = await handle.result()
    assert status.state == "completed"
    assert len([s for s in status.steps if s.state == "completed"]) == 26
    history = await handle.fetch_history()
    assert len(history.events) < 2_000  # Temporal's limit is 51,200 events
    assert len(history.to_json()) < 2_000_000  # and 50 MB


async def test_a_service_that_escalates_keeps_waiting_past_its_sla_and_flags_the_journey(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    recorder.decide_at_once = False
    handle = await start(
        time_skipping_env.client,
        service_plan("slow.agency", sla=timedelta(days=2), on_sla="escalate"),
    )
    await status_when(handle, lambda s: step(s, "slow.agency").state == "waiting_for_agency")
    await time_skipping_env.sleep(timedelta(days=3))
    status = await handle.query(LifeEventJourney.status)
    escalated = step(status, "slow.agency")
    assert escalated.state == "waiting_for_agency"
    assert escalated.reasons == [
        "Provincial Health Plan did not decide within the service's time limit. "
        "Escalated to operators."
    ]
    description = await handle.describe()
    assert description.typed_search_attributes.get(JOURNEY_ESCALATED) is True
    assert description.typed_search_attributes.get(JOURNEY_SLA_BREACHED) is True
    child = time_skipping_env.client.get_workflow_handle(f"{handle.id}/slow.agency")
    await child.signal(AGENCY_DECISION, APPROVED)
    assert (await handle.result()).state == "completed"
