"""Recorded histories of journeys in flight must replay on today's workflow code.

A change to ``workflows/`` that would break a running journey (a new activity, a reordered
step, a changed timer) fails here: guard it with ``workflow.patched(...)`` instead.

Recording (only when a new scenario is added, never to make this test pass):
    RECORD_HISTORIES=1 .venv/bin/pytest tests/workflows/test_replay.py
"""

import asyncio
import base64
import dataclasses
import json
import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHandle, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from lifeevents.codec import ENCODING
from lifeevents.models import (
    CancelRequest,
    ConsentAnswer,
    InformationAnswer,
    JourneyPlan,
    JourneyStatus,
    PaymentTerms,
    WebhookDelivery,
)
from lifeevents.settings import get_settings
from lifeevents.temporal import data_converter
from tests.workflows.fakes import INTAKE, Recorder, journey_worker, service_plan
from workflows.agency_service import AgencyServiceWorkflow
from workflows.journey import LifeEventJourney

HISTORIES = Path(__file__).parent / "histories"
_ENCRYPTED = base64.b64encode(ENCODING).decode()
WORKFLOWS = [LifeEventJourney, AgencyServiceWorkflow]
Handle = WorkflowHandle[Any, JourneyStatus]


async def _until(handle: Handle, check: Callable[[JourneyStatus], bool]) -> None:
    for _ in range(200):
        if check(await handle.query(LifeEventJourney.status)):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("scenario stuck")


async def _everything(client: Client, journey_id: str, recorder: Recorder) -> Handle:
    """Dependencies, a late decision, a request for information, a consent given later."""
    recorder.script = {
        "b.asks": [
            {"decision": "needs_information", "requested": ["iban"]},
            {"decision": "approved", "reference": "B-1"},
        ]
    }
    plan = JourneyPlan(
        journey_id=journey_id,
        life_event="birth",
        definition_version=1,
        language="fr",
        intake=INTAKE,
        callback_base_url="http://127.0.0.1:8000",
        services=[
            service_plan("a.first", payment=PaymentTerms(amount_cents=100)),
            service_plan("b.asks", needs=["a.first"]),
            service_plan("c.consent", consent=None),
        ],
    )
    handle = await client.start_workflow(
        LifeEventJourney.run, plan, id=journey_id, task_queue="replay"
    )
    await _until(
        handle,
        lambda s: (
            any(r.kind == "information" for r in s.requests)
            and any(r.kind == "consent" for r in s.requests)
        ),
    )
    status = await handle.query(LifeEventJourney.status)
    ask = next(r for r in status.requests if r.kind == "information")
    await handle.execute_update(
        LifeEventJourney.provide_information,
        InformationAnswer(request_id=ask.id, answers={"iban": "X"}),
    )
    await handle.execute_update(
        LifeEventJourney.give_consent, ConsentAnswer(service_id="c.consent", given=True)
    )
    return handle


async def _cancelled(client: Client, journey_id: str, recorder: Recorder) -> Handle:
    """A cancellation with compensation of a finished step and an in-flight one."""
    recorder.decide_at_once = False
    withdrawal = WebhookDelivery(url="http://127.0.0.1:9/withdraw")
    recorder.script = {"a.done": [{"decision": "approved", "reference": "A"}]}
    plan = JourneyPlan(
        journey_id=journey_id,
        life_event="birth",
        definition_version=1,
        language="en",
        intake=INTAKE,
        callback_base_url="http://127.0.0.1:8000",
        services=[
            service_plan("a.done", withdrawal=withdrawal),
            service_plan("b.waiting", withdrawal=withdrawal, sla=timedelta(days=3)),
        ],
    )
    handle = await client.start_workflow(
        LifeEventJourney.run, plan, id=journey_id, task_queue="replay"
    )
    await _until(
        handle,
        lambda s: s.steps[2].state == "waiting_for_agency" and s.steps[1].state == "completed",
    )
    await handle.execute_update(LifeEventJourney.cancel, CancelRequest(reason="replay"))
    return handle


SCENARIOS: dict[str, Callable[[Client, str, Recorder], Awaitable[Handle]]] = {
    "everything": _everything,
    "cancelled": _cancelled,
}


@pytest.mark.skipif(not os.environ.get("RECORD_HISTORIES"), reason="set RECORD_HISTORIES=vN")
async def test_record_histories(time_skipping_env: WorkflowEnvironment) -> None:
    client = time_skipping_env.client
    for name, scenario in SCENARIOS.items():
        recorder = Recorder(decide_at_once=True)
        async with journey_worker(client, "replay", recorder):
            handle = await scenario(client, str(uuid.uuid4()), recorder)
            status = await handle.result()
        for workflow_id in [handle.id, *(f"{handle.id}/{s.id}" for s in status.steps[1:])]:
            try:
                history = await client.get_workflow_handle(workflow_id).fetch_history()
            except Exception:  # noqa: BLE001 - a step that never started has no history
                continue
            suffix = workflow_id.removeprefix(handle.id).replace("/", "-")
            version = os.environ["RECORD_HISTORIES"]
            path = HISTORIES / f"{version}-{name}{suffix or '-journey'}.json"
            path.write_text(await _decoded(history.to_json()))


async def _decoded(history_json: str) -> str:
    """The history with its payloads decrypted: the corpus is kept readable (and key-free);
    the replay then runs without the codec, on the same workflow code."""
    codec = data_converter(get_settings()).payload_codec
    assert codec is not None
    history = json.loads(history_json)

    async def visit(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("metadata", {}).get("encoding") == _ENCRYPTED:
                payload = json_format.ParseDict(node, Payload())
                [plain] = await codec.decode([payload])
                return json_format.MessageToDict(plain)
            return {key: await visit(value) for key, value in node.items()}
        if isinstance(node, list):
            return [await visit(item) for item in node]
        return node

    return json.dumps(await visit(history), indent=2)


def _histories() -> list[Path]:
    return sorted(HISTORIES.glob("*.json"))


def test_histories_are_recorded() -> None:
    assert len(_histories()) >= len(SCENARIOS) * 2


@pytest.mark.parametrize("path", _histories(), ids=lambda p: p.stem)
async def test_recorded_histories_replay_on_todays_code(path: Path) -> None:
    # The corpus is stored decrypted (see _decoded): replay it without the codec.
    plain = dataclasses.replace(data_converter(get_settings()), payload_codec=None)
    replayer = Replayer(workflows=WORKFLOWS, data_converter=plain)
    await replayer.replay_workflow(WorkflowHistory.from_json(path.stem, path.read_text()))
