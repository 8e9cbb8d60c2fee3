"""Consent changes for one service are serial: whatever the person sends at the same moment,
the last consent on record is the one that decided whether the agency received the data.

Each round is a fresh journey on the time-skipping server; the two changes (and, for a
withdrawal, the decision that lets the step run) are sent concurrently.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from core.models import ConsentAnswer, ConsentRecordInput, JourneyStatus
from core.settings import get_settings
from core.temporal import data_converter
from tests.workflows.fakes import Recorder, journey_worker, service_plan, start_journey
from workflows.agency_service import AgencyServiceWorkflow
from workflows.journey import LifeEventJourney
from workflows.names import AGENCY_DECISION

TASK_QUEUE = "consent-races"
ROUNDS = 10
APPROVED = {"decision": "approved", "reference": "OK-1"}
Handle = WorkflowHandle[Any, JourneyStatus]


@pytest.fixture
async def recorder(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Recorder]:
    recorder = Recorder(decide_at_once=True)
    async with journey_worker(time_skipping_env.client, TASK_QUEUE, recorder):
        yield recorder


async def _until(handle: Handle, step_id: str, state: str) -> None:
    for _ in range(200):
        status = await handle.query(LifeEventJourney.status)
        if next(s for s in status.steps if s.id == step_id).state == state:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{step_id} never reached {state}")


async def _change(handle: Handle, service_id: str, given: bool) -> bool:
    """Send one consent change; whether the journey accepted it."""
    try:
        await handle.execute_update(
            LifeEventJourney.give_consent, ConsentAnswer(service_id=service_id, given=given)
        )
    except WorkflowUpdateFailedError:
        return False  # refused: the step had already received the data
    return True


async def _replays(handle: Handle) -> None:
    """The journey's history, concurrent changes and all, replays on the same code."""
    replayer = Replayer(
        workflows=[LifeEventJourney, AgencyServiceWorkflow],
        data_converter=data_converter(get_settings()),
    )
    await replayer.replay_workflow(await handle.fetch_history())


def _disagreement(
    recorder: Recorder, journey_id: str, service_id: str, status: JourneyStatus
) -> str | None:
    """Why the consent record and the delivery disagree in this journey, if they do."""
    records = [
        c.given
        for c in recorder.consents
        if c.journey_id == journey_id and c.service_id == service_id
    ]
    delivered = any(
        s.journey_id == journey_id and s.request.service_id == service_id
        for s in recorder.submissions
    )
    step = next(s for s in status.steps if s.id == service_id)
    if not records or records[-1] != delivered:
        return f"records {records}, delivered {delivered}"
    if delivered != (step.state == "completed"):
        return f"step {step.state}/{step.outcome}, delivered {delivered}"
    return None


async def test_a_give_and_a_refusal_at_the_same_moment_agree_with_the_delivery(
    time_skipping_env: WorkflowEnvironment, recorder: Recorder
) -> None:
    client = time_skipping_env.client
    service = service_plan("health.card", consent=None)
    failures: list[str] = []
    for round_ in range(ROUNDS):
        handle = await start_journey(client, TASK_QUEUE, service)
        await _until(handle, "health.card", "waiting_for_citizen")
        order = [True, False] if round_ % 2 == 0 else [False, True]
        accepted = await asyncio.gather(*(_change(handle, "health.card", g) for g in order))
        status = await handle.result()
        assert any(accepted)
        records = [c for c in recorder.consents if c.journey_id == handle.id]
        # Every accepted change is on record, and nothing else is.
        assert len(records) == sum(accepted), (records, accepted)
        problem = _disagreement(recorder, handle.id, "health.card", status)
        if problem:
            failures.append(f"round {round_}: {problem}")
        await _replays(handle)
    assert not failures, f"{len(failures)} of {ROUNDS} rounds disagree: {failures}"


@dataclass
class HeldConsents(Recorder):
    """Each consent the person changes stays in flight until the test releases it."""

    held: list[asyncio.Event] = field(default_factory=list)

    def activities(self) -> list[Any]:
        @activity.defn(name="record_consent")
        async def record_consent(request: ConsentRecordInput) -> None:
            self.consents.append(request)
            released = asyncio.Event()
            self.held.append(released)
            await released.wait()

        others = [a for a in super().activities() if a.__name__ != "record_consent"]
        return [*others, record_consent]


async def test_a_give_and_a_withdrawal_racing_the_step_agree_with_the_delivery(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    client = time_skipping_env.client
    recorder = HeldConsents(script={"revenue.benefit": [APPROVED]})
    registration = service_plan("vital.registration")
    benefit = service_plan("revenue.benefit", needs=["vital.registration"])  # consent at intake
    failures: list[str] = []
    async with journey_worker(client, TASK_QUEUE, recorder):
        for round_ in range(ROUNDS):
            handle = await start_journey(client, TASK_QUEUE, registration, benefit)
            await _until(handle, "vital.registration", "waiting_for_agency")
            order = [False, True] if round_ % 2 == 0 else [True, False]
            changes = asyncio.gather(*(_change(handle, "revenue.benefit", g) for g in order))
            while not recorder.held:
                await asyncio.sleep(0.01)
            # The step the benefit needs completes while the change is being recorded ...
            child = client.get_workflow_handle(f"{handle.id}/vital.registration")
            await child.signal(AGENCY_DECISION, APPROVED)
            await _until(handle, "vital.registration", "completed")
            # ... and the records are written one after the other.
            while not changes.done():
                if recorder.held:
                    recorder.held.pop(0).set()
                await asyncio.sleep(0.2)
            accepted = await changes
            status = await handle.result()
            records = [
                c
                for c in recorder.consents
                if c.journey_id == handle.id and c.service_id == "revenue.benefit"
            ]
            assert records[0].source == "intake"
            assert len(records) == 1 + sum(accepted), (records, accepted)
            problem = _disagreement(recorder, handle.id, "revenue.benefit", status)
            if problem:
                failures.append(f"round {round_}: {problem}")
            await _replays(handle)
    assert not failures, f"{len(failures)} of {ROUNDS} rounds disagree: {failures}"
