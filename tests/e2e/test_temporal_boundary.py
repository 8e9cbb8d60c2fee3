"""Only the orchestrator's own processes can make a journey act: someone who reaches the
Temporal frontend without the payload keys (the `temporal` CLI, a plain SDK client) can neither
decide a step, nor answer for the person, nor start a journey with a hand-written plan, and the
journey they aimed at goes on unharmed."""

import asyncio
import uuid

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from tests.e2e.test_citizen_actions import steps, wait_for_status
from tests.support.stack import BIRTH_SERVICES, Stack, birth_intake

HEALTH = "health.child-health-card"


async def _signal_handled(client: Client, workflow_id: str) -> None:
    """Wait until the worker has run a workflow task after the last signal arrived."""
    handle = client.get_workflow_handle(workflow_id)
    for _ in range(300):
        types = [event.event_type async for event in handle.fetch_history_events()]
        # A signal that arrives during a workflow task is buffered: it may not be in history yet.
        signalled = [
            i for i, t in enumerate(types) if t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        ]
        if signalled and EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED in types[signalled[-1] :]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the worker never handled the signal")


async def test_plaintext_signals_updates_and_starts_are_refused(
    stack: Stack, temporal_env: WorkflowEnvironment
) -> None:
    consents = [s for s in BIRTH_SERVICES if s != HEALTH]
    journey_id = stack.submit(birth_intake(email="boundary@example.org", consents=consents))
    wait_for_status(stack, journey_id, lambda s: steps(s)[HEALTH]["state"] == "waiting_for_citizen")
    # No data converter of ours: payloads travel as plain JSON, as the `temporal` CLI sends them.
    outsider = await Client.connect(temporal_env.client.service_client.config.target_host)
    journey = outsider.get_workflow_handle(journey_id)

    await journey.signal(
        "step_changed", {"step_id": HEALTH, "state": "completed", "outcome": "approved"}
    )
    await _signal_handled(temporal_env.client, journey_id)
    with pytest.raises(WorkflowUpdateFailedError):
        await journey.execute_update("give_consent", {"service_id": HEALTH, "given": True})

    status = stack.status(journey_id)
    assert (status["state"], steps(status)[HEALTH]["state"]) == (
        "waiting_for_citizen",
        "waiting_for_citizen",
    )

    forged = await outsider.start_workflow(
        "LifeEventJourney",
        {"journey_id": "forged", "life_event": "birth", "services": []},
        id=str(uuid.uuid4()),
        task_queue=stack.task_queue,
    )
    with pytest.raises(WorkflowFailureError) as failure:
        await asyncio.wait_for(forged.result(), timeout=60)
    assert "RefusedPayload" in repr(failure.value.cause) or "Refused a payload" in str(
        failure.value.cause
    )

    # The journey was never wedged: the person's real answer still moves it on.
    with stack.citizen(journey_id) as client:
        answer = client.post(
            f"/v1/journeys/{journey_id}/consents", json={"service_id": HEALTH, "given": True}
        )
        assert answer.status_code == 200, answer.text
    done = stack.wait_until_done(journey_id)
    assert done["state"] == "completed"
    assert steps(done)[HEALTH]["outcome"] == "approved"
    # Operators see each refusal in the worker's log.
    assert "payload refused" in stack.logs()
