"""More of the engine on the time-skipping server: a proactive offer nobody confirms, and a
cancellation that races a payment being recorded (against the real ledger)."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select
from temporalio import activity
from temporalio.testing import WorkflowEnvironment

from activities.compensation import reverse_payment as real_reverse_payment
from activities.payment import record_payment as real_record_payment
from core.db import get_engine
from core.ids import CONFIRMATION_REQUEST
from core.models import (
    CancelRequest,
    JourneyPlan,
    JourneyStatus,
    LocalizedText,
    PaymentInput,
    PaymentReceipt,
    PaymentTerms,
    ProactiveOffer,
    ReversePaymentInput,
)
from core.tables import PaymentLedgerEntry
from tests.workflows.conftest import start_time_skipping
from tests.workflows.fakes import INTAKE, Recorder, journey_worker, service_plan, start_journey
from workflows.journey import LifeEventJourney

TASK_QUEUE = "more-engine-test"


@pytest.fixture(scope="module")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A server of its own: a month passes here without waiting on what other tests left
    running on the shared one (their timers would fire into task queues nobody polls)."""
    env = await start_time_skipping()
    yield env
    await env.shutdown()


# --- A proactive offer left unanswered -------------------------------------------------------


@pytest.fixture
async def recorder(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Recorder]:
    recorder = Recorder(decide_at_once=True)
    async with journey_worker(time_skipping_env.client, TASK_QUEUE, recorder):
        yield recorder


async def test_an_offer_unanswered_for_28_days_expires_and_reaches_no_agency(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    client = time_skipping_env.client
    started = await time_skipping_env.get_current_time()
    plan = JourneyPlan(
        journey_id=f"offer-{started.timestamp()}",
        life_event="death",
        definition_version=1,
        language="en",
        intake=INTAKE,
        services=[service_plan("pension.stop-payments"), service_plan("tax.final-return")],
        callback_base_url="http://127.0.0.1:8000",
        deadlines=[],
        proactive=ProactiveOffer(
            event_type="vital-statistics.death.registered",
            event_source="registry",
            due_at=started + timedelta(days=28),
            life_event_title=LocalizedText(en="Death", fr="Décès"),
        ),
    )
    handle = await client.start_workflow(
        LifeEventJourney.run, plan, id=plan.journey_id, task_queue=TASK_QUEUE
    )
    # 27 days on, the offer still waits for the person.
    await time_skipping_env.sleep(timedelta(days=27))
    waiting = await handle.query(LifeEventJourney.status)
    assert waiting.state == "waiting_for_citizen"
    assert [(r.id, r.kind) for r in waiting.requests] == [(CONFIRMATION_REQUEST, "confirmation")]

    status: JourneyStatus = await handle.result()
    assert status.state == "cancelled"
    assert status.completed_at is not None
    assert timedelta(days=28) <= status.completed_at - started < timedelta(days=29)
    [request] = [r for r in status.requests if r.id == CONFIRMATION_REQUEST]
    assert request.state == "expired"
    for step in status.steps:
        assert step.state == "skipped"
        assert step.reasons == ["The offer was not confirmed in time."]
    # Only the offer was sent; no agency, no identity check, no consent, no payment.
    assert [n.outcome for n in recorder.notifications] == ["offer"]
    assert recorder.submissions == [] and recorder.consents == [] and recorder.payments == []


# --- A cancellation racing a payment ---------------------------------------------------------


@dataclass
class GatedLedger(Recorder):
    """The real ledger activities (on the workflow tests' SQLite database), the payment held at
    a gate so that a cancellation can arrive while it is being recorded."""

    paying: asyncio.Event = field(default_factory=asyncio.Event)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    reversal_asked: asyncio.Event = field(default_factory=asyncio.Event)

    def activities(self) -> list[Any]:
        @activity.defn(name="record_payment")
        async def record_payment(request: PaymentInput) -> PaymentReceipt:
            self.paying.set()
            await self.gate.wait()
            return await asyncio.to_thread(real_record_payment, request)

        @activity.defn(name="reverse_payment")
        async def reverse_payment(request: ReversePaymentInput) -> PaymentReceipt:
            self.reversal_asked.set()
            return await asyncio.to_thread(real_reverse_payment, request)

        ledger = {"record_payment", "reverse_payment"}
        fakes = [a for a in super().activities() if a.__name__ not in ledger]
        return [*fakes, record_payment, reverse_payment]


def ledger(journey_id: str) -> list[PaymentLedgerEntry]:
    with Session(get_engine()) as session:
        statement = select(PaymentLedgerEntry).where(PaymentLedgerEntry.journey_id == journey_id)
        return list(session.exec(statement).all())


async def test_a_cancellation_while_a_payment_is_recorded_leaves_ledger_and_status_agreeing(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    client = time_skipping_env.client
    gated = GatedLedger(decide_at_once=True)
    benefit = service_plan(
        "revenue.child-benefit", payment=PaymentTerms(amount_cents=64875, currency="CAD")
    )
    async with journey_worker(client, f"{TASK_QUEUE}-race", gated):
        handle = await start_journey(client, f"{TASK_QUEUE}-race", benefit)
        await asyncio.wait_for(gated.paying.wait(), 30)
        # The agency approved; the payment is being recorded: the person cancels now.
        await handle.execute_update(LifeEventJourney.cancel, CancelRequest(reason="changed"))
        # Give a journey that does not wait for the payment every chance to compensate first.
        try:
            await asyncio.wait_for(gated.reversal_asked.wait(), 2)
        except TimeoutError:
            pass
        gated.gate.set()  # the payment's insert commits only now
        status = await handle.result()

    assert status.state == "cancelled"
    [step] = [s for s in status.steps if s.id == "revenue.child-benefit"]
    rows = ledger(handle.id)
    # Either the payment was never made, or it was made and reversed — and the status says so.
    assert [r.status for r in rows] in ([], ["reversed"])
    assert ("payment_reversed" in step.compensations) == (rows != [])
    assert step.state == "cancelled"
