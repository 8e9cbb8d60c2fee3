"""Recorded histories of journeys in flight must replay on today's workflow code.

A change to ``workflows/`` that would break a running journey (a new activity, a reordered
step, a changed timer) fails here: guard it with ``workflow.patched(...)`` instead.

The corpus is ``histories/vN-<scenario>-<journey|step id>.json``: each version of the workflow
code recorded every scenario it knew (``RECORDED_SINCE``), and each history holds what its
scenario is there for (``EXPECTED``: a late decision by signal, a fired timer, an escalation...).

Recording (only when the code gets a new version or a scenario is added, never to make this
test pass; existing files are never overwritten):
    RECORD_HISTORIES=v6 .venv/bin/pytest tests/workflows/test_replay.py
"""

import asyncio
import base64
import dataclasses
import json
import os
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from core.codec import COMPRESSED_ENCODING, ENCODING
from core.ids import CONFIRMATION_REQUEST, step_workflow_id
from core.models import (
    CancelRequest,
    Confirmation,
    ConsentAnswer,
    DeadlinePlan,
    EscalationResolution,
    InformationAnswer,
    JourneyPlan,
    JourneyStatus,
    LocalizedText,
    PaymentTerms,
    ProactiveOffer,
    Resubmission,
    ServicePlan,
    WebhookDelivery,
)
from core.settings import get_settings
from core.temporal import data_converter
from tests.workflows.fakes import INTAKE, Recorder, journey_worker, service_plan
from workflows.agency_service import OPERATOR_ACTIONS_PATCH, AgencyServiceWorkflow
from workflows.journey import OUTCOME_RECORDED_PATCH, STATUS_IN_MEMO_PATCH, LifeEventJourney
from workflows.journey_updates import SERIAL_CONSENT_PATCH
from workflows.names import AGENCY_DECISION
from workflows.worker import WORKFLOW_RUNNER

HISTORIES = Path(__file__).parent / "histories"
_ENCRYPTED = {base64.b64encode(e).decode() for e in (ENCODING, COMPRESSED_ENCODING)}
WORKFLOWS = [LifeEventJourney, AgencyServiceWorkflow]
Handle = WorkflowHandle[Any, JourneyStatus]
APPROVED = {"decision": "approved", "reference": "OK-1"}
ASK = {"decision": "needs_information", "requested": ["bank_account"]}


async def _until(handle: Handle, check: Callable[[JourneyStatus], bool]) -> None:
    for _ in range(200):
        if check(await handle.query(LifeEventJourney.status)):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("scenario stuck")


def _step(status: JourneyStatus, step_id: str) -> Any:
    return next(s for s in status.steps if s.id == step_id)


async def _start(
    env: WorkflowEnvironment, journey_id: str, *services: ServicePlan, **plan: Any
) -> Handle:
    values: dict[str, Any] = {
        "journey_id": journey_id,
        "life_event": "birth",
        "definition_version": 1,
        "language": "en",
        "intake": INTAKE,
        "callback_base_url": "http://127.0.0.1:8000",
        "services": list(services),
        **plan,
    }
    return await env.client.start_workflow(
        LifeEventJourney.run, JourneyPlan(**values), id=journey_id, task_queue="replay"
    )


async def _decide_later(env: WorkflowEnvironment, handle: Handle, step_id: str) -> None:
    """The agency's decision by callback: the ``agency_decision`` signal to the step."""
    step = env.client.get_workflow_handle(step_workflow_id(handle.id, step_id))
    await step.signal(AGENCY_DECISION, APPROVED)


# --- Scenarios (v1) ---------------------------------------------------------------------------


async def _everything(env: WorkflowEnvironment, journey_id: str, recorder: Recorder) -> Handle:
    """Dependencies, a request for information, a consent given later."""
    recorder.script = {
        "b.asks": [
            {"decision": "needs_information", "requested": ["iban"]},
            {"decision": "approved", "reference": "B-1"},
        ]
    }
    handle = await _start(
        env,
        journey_id,
        service_plan("a.first", payment=PaymentTerms(amount_cents=100)),
        service_plan("b.asks", needs=["a.first"]),
        service_plan("c.consent", consent=None),
        language="fr",
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


async def _cancelled(env: WorkflowEnvironment, journey_id: str, recorder: Recorder) -> Handle:
    """A cancellation with compensation of a finished step and an in-flight one."""
    recorder.decide_at_once = False
    withdrawal = WebhookDelivery(url="http://127.0.0.1:9/withdraw")
    recorder.script = {"a.done": [{"decision": "approved", "reference": "A"}]}
    handle = await _start(
        env,
        journey_id,
        service_plan("a.done", withdrawal=withdrawal),
        service_plan("b.waiting", withdrawal=withdrawal, sla=timedelta(days=3)),
    )
    await _until(
        handle,
        lambda s: s.steps[2].state == "waiting_for_agency" and s.steps[1].state == "completed",
    )
    await handle.execute_update(LifeEventJourney.cancel, CancelRequest(reason="replay"))
    return handle


# --- Scenarios (v3) ---------------------------------------------------------------------------


async def _late_decision(env: WorkflowEnvironment, journey_id: str, recorder: Recorder) -> Handle:
    """The agency answers 202 and decides days later, by callback (the signal)."""
    recorder.decide_at_once = False
    handle = await _start(env, journey_id, service_plan("a.late"))
    await _until(handle, lambda s: _step(s, "a.late").state == "waiting_for_agency")
    await env.sleep(timedelta(days=2))
    await _decide_later(env, handle, "a.late")
    return handle


async def _reminded(env: WorkflowEnvironment, journey_id: str, recorder: Recorder) -> Handle:
    """A request for information: a week passes (a reminder goes out), then the answer."""
    recorder.script = {"a.asks": [ASK, APPROVED]}
    handle = await _start(
        env,
        journey_id,
        service_plan(
            "a.asks", reminder_every=timedelta(days=7), information_deadline=timedelta(days=30)
        ),
    )
    await _until(handle, lambda s: any(r.kind == "information" for r in s.requests))
    await env.sleep(timedelta(days=8))
    for _ in range(200):
        if any(n.outcome == "reminder" for n in recorder.notifications):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("no reminder went out")
    status = await handle.query(LifeEventJourney.status)
    ask = next(r for r in status.requests if r.kind == "information")
    await handle.execute_update(
        LifeEventJourney.provide_information,
        InformationAnswer(request_id=ask.id, answers={"bank_account": "00123-456"}),
    )
    return handle


async def _deadline_passed(env: WorkflowEnvironment, journey_id: str, recorder: Recorder) -> Handle:
    """A legal deadline passes while a step waits for the person's consent (the recorder
    awaits the result, so the time-skipping server lets the 30 days pass)."""
    now = await env.get_current_time()
    deadline = DeadlinePlan(
        id="registration",
        title=LocalizedText(en="Register within 30 days", fr="30 jours"),
        due_at=now + timedelta(days=30),
        services=["a.registration"],
    )
    return await _start(
        env,
        journey_id,
        service_plan("a.registration", consent=None),
        service_plan("b.other"),
        deadlines=[deadline],
    )


async def _escalated(env: WorkflowEnvironment, journey_id: str, recorder: Recorder) -> Handle:
    """The agency misses its SLA; the service escalates, keeps waiting, then is decided."""
    recorder.decide_at_once = False
    handle = await _start(
        env, journey_id, service_plan("a.slow", sla=timedelta(days=2), on_sla="escalate")
    )
    await _until(handle, lambda s: _step(s, "a.slow").state == "waiting_for_agency")
    await env.sleep(timedelta(days=3))
    await _until(handle, lambda s: any("Escalated" in r for r in _step(s, "a.slow").reasons))
    await _decide_later(env, handle, "a.slow")
    return handle


async def _offer(env: WorkflowEnvironment) -> ProactiveOffer:
    return ProactiveOffer(
        event_type="birth",
        event_source="registry",
        due_at=await env.get_current_time() + timedelta(days=7),
        life_event_title=LocalizedText(en="Birth", fr="Naissance"),
    )


async def _offer_confirmed(env: WorkflowEnvironment, journey_id: str, recorder: Recorder) -> Handle:
    """A registry event offers the journey; the person confirms it, choosing one service."""
    handle = await _start(
        env,
        journey_id,
        service_plan("a.chosen"),
        service_plan("b.declined"),
        proactive=await _offer(env),
    )
    await _until(
        handle,
        lambda s: any(r.id == CONFIRMATION_REQUEST and r.state == "open" for r in s.requests),
    )
    await handle.execute_update(
        LifeEventJourney.confirm,
        Confirmation(informant=INTAKE["informant"], services=["a.chosen"], consents=["a.chosen"]),
    )
    return handle


async def _offer_expired(env: WorkflowEnvironment, journey_id: str, recorder: Recorder) -> Handle:
    """A registry event offers the journey; no one answers before the offer expires."""
    return await _start(env, journey_id, service_plan("a.offered"), proactive=await _offer(env))


async def _payment_reversed(
    env: WorkflowEnvironment, journey_id: str, recorder: Recorder
) -> Handle:
    """Cancelled after a paying service completed: its payment is reversed, then withdrawn."""
    recorder.decide_at_once = False
    withdrawal = WebhookDelivery(url="http://127.0.0.1:9/withdraw")
    recorder.script = {"a.paid": [{"decision": "approved", "reference": "P-1"}]}
    handle = await _start(
        env,
        journey_id,
        service_plan("a.paid", payment=PaymentTerms(amount_cents=2500), withdrawal=withdrawal),
        service_plan("b.waiting"),
    )
    await _until(
        handle,
        lambda s: (
            _step(s, "a.paid").state == "completed"
            and _step(s, "b.waiting").state == "waiting_for_agency"
        ),
    )
    await handle.execute_update(LifeEventJourney.cancel, CancelRequest(reason="replay"))
    return handle


async def _consent_changes(env: WorkflowEnvironment, journey_id: str, recorder: Recorder) -> Handle:
    """Consent given and withdrawn at the same moment for one service (recorded one at a
    time, in order, since ``consent-changes-one-at-a-time``)."""
    handle = await _start(env, journey_id, service_plan("a.consent", consent=None))
    await _until(handle, lambda s: _step(s, "a.consent").state == "waiting_for_citizen")
    await asyncio.gather(
        *(
            handle.execute_update(
                LifeEventJourney.give_consent, ConsentAnswer(service_id="a.consent", given=given)
            )
            for given in (True, False)
        )
    )
    return handle


# --- Scenarios (v6): an operator's actions ------------------------------------------------------


async def _operator_resolved(
    env: WorkflowEnvironment, journey_id: str, recorder: Recorder
) -> Handle:
    """Sent again while waiting; escalated past the SLA; an operator records the decision."""
    recorder.decide_at_once = False
    handle = await _start(
        env, journey_id, service_plan("a.slow", sla=timedelta(days=2), on_sla="escalate")
    )
    await _until(handle, lambda s: _step(s, "a.slow").state == "waiting_for_agency")
    await handle.execute_update(
        LifeEventJourney.resubmit, Resubmission(step_id="a.slow", reason="Lost by the agency")
    )
    await _until(
        handle,
        lambda s: (
            _step(s, "a.slow").state == "waiting_for_agency"
            and [sent.request.round for sent in recorder.submissions] == [1, 2]
        ),
    )
    await env.sleep(timedelta(days=3))
    await _until(handle, lambda s: _step(s, "a.slow").escalated)
    await handle.execute_update(
        LifeEventJourney.resolve_escalation,
        EscalationResolution(
            step_id="a.slow",
            action="record_decision",
            decision="approved",
            reference="BY-PHONE",
            reason="Confirmed by phone",
        ),
    )
    return handle


Scenario = Callable[[WorkflowEnvironment, str, Recorder], Awaitable[Handle]]
SCENARIOS: dict[str, Scenario] = {
    "everything": _everything,
    "cancelled": _cancelled,
    "late-decision": _late_decision,
    "reminded": _reminded,
    "deadline-passed": _deadline_passed,
    "escalated": _escalated,
    "offer-confirmed": _offer_confirmed,
    "offer-expired": _offer_expired,
    "payment-reversed": _payment_reversed,
    "consent-changes": _consent_changes,
    "operator-resolved": _operator_resolved,
}

# The version that first recorded each scenario: that version and every later one hold it.
RECORDED_SINCE = {
    "everything": 1,
    "cancelled": 1,
    "late-decision": 3,
    "reminded": 3,
    "deadline-passed": 3,
    "escalated": 3,
    "offer-confirmed": 3,
    "offer-expired": 3,
    "payment-reversed": 3,
    "consent-changes": 3,
    "operator-resolved": 6,
}


# --- What a history holds ---------------------------------------------------------------------

Event = dict[str, Any]
# One scenario's histories: "journey", and each step's id that ran, to that workflow's events.
Histories = dict[str, list[Event]]


def _attributes(events: list[Event], kind: str) -> list[dict[str, Any]]:
    """The attributes of the events of one type (``TIMER_FIRED``...), in order."""
    event_type = f"EVENT_TYPE_{kind}"
    return [
        next(v for k, v in e.items() if k.endswith("EventAttributes"))
        for e in events
        if e["eventType"] == event_type
    ]


def _decoded_payload(payload: dict[str, Any]) -> Any:
    return json.loads(base64.b64decode(payload["data"]))


def _signals(events: list[Event]) -> list[str]:
    return [a["signalName"] for a in _attributes(events, "WORKFLOW_EXECUTION_SIGNALED")]


def _activities(events: list[Event]) -> list[str]:
    return [a["activityType"]["name"] for a in _attributes(events, "ACTIVITY_TASK_SCHEDULED")]


def _updates(events: list[Event]) -> list[str]:
    accepted = _attributes(events, "WORKFLOW_EXECUTION_UPDATE_ACCEPTED")
    return [a["acceptedRequest"]["input"]["name"] for a in accepted]


def _timers_fired(events: list[Event]) -> int:
    return len(_attributes(events, "TIMER_FIRED"))


def _children(events: list[Event]) -> int:
    return len(_attributes(events, "START_CHILD_WORKFLOW_EXECUTION_INITIATED"))


def _patches(events: list[Event]) -> list[str]:
    return [
        _decoded_payload(a["details"]["patch-data"]["payloads"][0])["id"]
        for a in _attributes(events, "MARKER_RECORDED")
        if a["markerName"] == "core_patch"
    ]


def _search_attributes_set(events: list[Event], name: str) -> list[Any]:
    return [
        _decoded_payload(a["searchAttributes"]["indexedFields"][name])
        for a in _attributes(events, "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES")
        if name in a["searchAttributes"]["indexedFields"]
    ]


def _plan(events: list[Event]) -> dict[str, Any]:
    [started] = _attributes(events, "WORKFLOW_EXECUTION_STARTED")
    plan: dict[str, Any] = _decoded_payload(started["input"]["payloads"][0])
    return plan


def _result(events: list[Event]) -> dict[str, Any]:
    [completed] = _attributes(events, "WORKFLOW_EXECUTION_COMPLETED")
    result: dict[str, Any] = _decoded_payload(completed["result"]["payloads"][0])
    return result


def _step_result(events: list[Event], step_id: str) -> dict[str, Any]:
    return next(s for s in _result(events)["steps"] if s["id"] == step_id)


def _concurrent_updates(events: list[Event], name: str) -> bool:
    """Whether a second ``name`` update was accepted before the first update completed."""
    accepted: list[str] = []
    for event in events:
        if event["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED":
            return accepted.count(name) >= 2
        accepted += _updates([event])
    return False


def _last_update_input(events: list[Event], name: str) -> Any:
    accepted = _attributes(events, "WORKFLOW_EXECUTION_UPDATE_ACCEPTED")
    inputs = [a["acceptedRequest"]["input"] for a in accepted]
    return _decoded_payload([i for i in inputs if i["name"] == name][-1]["args"]["payloads"][0])


EXPECTED: dict[str, Callable[[Histories], bool]] = {
    "everything": lambda h: (
        "information_provided" in _signals(h["b.asks"])
        and "give_consent" in _updates(h["journey"])
        and "record_payment" in _activities(h["a.first"])
        and _step_result(h["journey"], "b.asks")["outcome"] == "approved"
    ),
    "cancelled": lambda h: (
        "cancel" in _updates(h["journey"])
        and "withdraw_submission" in _activities(h["journey"])  # the finished step
        and "withdraw_submission" in _activities(h["b.waiting"])  # the in-flight one
        and _attributes(h["b.waiting"], "WORKFLOW_EXECUTION_CANCEL_REQUESTED") != []
    ),
    "late-decision": lambda h: (
        "agency_decision" in _signals(h["a.late"])
        and _step_result(h["journey"], "a.late")["outcome"] == "approved"
    ),
    "reminded": lambda h: (
        _timers_fired(h["a.asks"]) >= 1
        and _activities(h["a.asks"]).count("send_notification") >= 3  # asked, reminded, approved
        and "information_provided" in _signals(h["a.asks"])
        and _step_result(h["journey"], "a.asks")["outcome"] == "approved"
    ),
    "deadline-passed": lambda h: (
        _timers_fired(h["journey"]) >= 1
        and _children(h["journey"]) == 1  # only the other service ran
        and _step_result(h["journey"], "a.registration")["reasons"][0].startswith(
            "The deadline passed"
        )
    ),
    "escalated": lambda h: (
        _timers_fired(h["a.slow"]) >= 1
        and _search_attributes_set(h["journey"], "JourneyEscalated") == [True]
        and "agency_decision" in _signals(h["a.slow"])
        and _step_result(h["journey"], "a.slow")["outcome"] == "approved"
    ),
    "offer-confirmed": lambda h: (
        _plan(h["journey"])["proactive"] is not None
        and "confirm" in _updates(h["journey"])
        and _children(h["journey"]) == 1
        and _step_result(h["journey"], "b.declined")["outcome"] == "not_chosen"
        and _result(h["journey"])["state"] == "completed"
    ),
    "offer-expired": lambda h: (
        _plan(h["journey"])["proactive"] is not None
        and _timers_fired(h["journey"]) == 1
        and _children(h["journey"]) == 0
        and _updates(h["journey"]) == []
        and _result(h["journey"])["state"] == "cancelled"
    ),
    "payment-reversed": lambda h: (
        "reverse_payment" in _activities(h["journey"])
        and _step_result(h["journey"], "a.paid")["compensations"]
        == ["payment_reversed", "withdrawn"]
    ),
    "consent-changes": lambda h: (
        SERIAL_CONSENT_PATCH in _patches(h["journey"])
        and _updates(h["journey"]).count("give_consent") == 2
        and _concurrent_updates(h["journey"], "give_consent")
        and _activities(h["journey"]).count("record_consent") == 2
        # The last change accepted decided: the agency was reached only if it gave consent.
        and _step_result(h["journey"], "a.consent")["state"]
        == ("completed" if _last_update_input(h["journey"], "give_consent")["given"] else "skipped")
    ),
    "operator-resolved": lambda h: (
        OPERATOR_ACTIONS_PATCH in _patches(h["a.slow"])
        and _updates(h["journey"]) == ["resubmit", "resolve_escalation"]
        and _signals(h["a.slow"]).count("operator_action") == 2
        and _activities(h["a.slow"]).count("deliver_webhook") == 2
        and _step_result(h["journey"], "a.slow")["reference"] == "BY-PHONE"
    ),
}


# --- Recording --------------------------------------------------------------------------------


@pytest.mark.skipif(not os.environ.get("RECORD_HISTORIES"), reason="set RECORD_HISTORIES=vN")
async def test_record_histories(time_skipping_env: WorkflowEnvironment) -> None:
    version = os.environ["RECORD_HISTORIES"]
    assert re.fullmatch(r"v\d+", version), "RECORD_HISTORIES=vN"
    assert not list(HISTORIES.glob(f"{version}-*.json")), f"{version} is recorded already"
    client = time_skipping_env.client
    for name, scenario in SCENARIOS.items():
        recorder = Recorder(decide_at_once=True)
        async with journey_worker(client, "replay", recorder):
            handle = await scenario(time_skipping_env, str(uuid.uuid4()), recorder)
            status = await handle.result()
        for workflow_id in [handle.id, *(f"{handle.id}/{s.id}" for s in status.steps[1:])]:
            try:
                history = await client.get_workflow_handle(workflow_id).fetch_history()
            except Exception:  # noqa: BLE001 - a step that never started has no history
                continue
            suffix = workflow_id.removeprefix(handle.id).replace("/", "-")
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
            if node.get("metadata", {}).get("encoding") in _ENCRYPTED:
                payload = json_format.ParseDict(node, Payload())
                [plain] = await codec.decode([payload])
                return json_format.MessageToDict(plain)
            return {key: await visit(value) for key, value in node.items()}
        if isinstance(node, list):
            return [await visit(item) for item in node]
        return node

    return json.dumps(await visit(history), indent=2)


# --- The corpus -------------------------------------------------------------------------------


def _histories() -> list[Path]:
    return sorted(HISTORIES.glob("*.json"))


def _versions() -> list[int]:
    """The workflow versions the corpus holds (``vN-...``), oldest first."""
    matches = (re.match(r"v(\d+)-", path.name) for path in _histories())
    return sorted({int(match[1]) for match in matches if match})


def _expected_scenarios(version: int) -> list[str]:
    return [name for name, since in RECORDED_SINCE.items() if since <= version]


def _scenario_files(version: int, scenario: str) -> dict[str, Path]:
    """A recorded scenario's files: its journey's, and each of its plan's steps that ran."""
    journey = HISTORIES / f"v{version}-{scenario}-journey.json"
    if not journey.exists():
        return {}
    files = {"journey": journey}
    for service in _plan(json.loads(journey.read_text())["events"])["services"]:
        path = HISTORIES / f"v{version}-{scenario}-{service['service_id']}.json"
        if path.exists():
            files[service["service_id"]] = path
    return files


def test_histories_are_recorded() -> None:
    # Every scenario is listed with its version and what its history must hold.
    assert set(SCENARIOS) == set(RECORDED_SINCE) == set(EXPECTED)
    versions = _versions()
    assert versions, "no recorded histories"
    newest = max(RECORDED_SINCE.values())
    assert max(versions) >= newest, f"no v{newest} histories: record them (module docstring)"
    # Each version present holds a history of every scenario it knew...
    missing = [
        f"v{version}-{scenario}-journey.json"
        for version in versions
        for scenario in _expected_scenarios(version)
        if not _scenario_files(version, scenario)
    ]
    assert not missing, f"scenarios with no recorded history: {missing}"
    # ...and nothing else (a renamed or dropped scenario leaves files no check reads).
    known = {
        path
        for version in versions
        for scenario in _expected_scenarios(version)
        for path in _scenario_files(version, scenario).values()
    }
    stray = [path.name for path in _histories() if path not in known]
    assert not stray, f"histories of no listed scenario: {stray}"


def test_journeys_since_v4_keep_their_status_in_their_memo() -> None:
    journeys = [p for p in _histories() if p.name.endswith("-journey.json")]
    since_v4 = [p for p in journeys if int(p.name[1 : p.name.index("-")]) >= 4]
    assert since_v4, "no v4 journey histories"
    for path in since_v4:
        events = json.loads(path.read_text())["events"]
        assert STATUS_IN_MEMO_PATCH in _patches(events), path.name
        memos = _attributes(events, "WORKFLOW_PROPERTIES_MODIFIED")
        assert memos, f"{path.name}: the status never reached the memo"
        last = _decoded_payload(memos[-1]["upsertedMemo"]["fields"]["status"])
        assert last["journey_id"] == _plan(events)["journey_id"], path.name


def test_journeys_since_v5_record_their_outcome_as_they_end() -> None:
    journeys = [p for p in _histories() if p.name.endswith("-journey.json")]
    since_v5 = [p for p in journeys if int(p.name[1 : p.name.index("-")]) >= 5]
    assert since_v5, "no v5 journey histories"
    for path in since_v5:
        events = json.loads(path.read_text())["events"]
        assert OUTCOME_RECORDED_PATCH in _patches(events), path.name
        assert _activities(events)[-1] == "record_journey_outcome", path.name


@pytest.mark.parametrize(
    ("version", "scenario"),
    [(v, s) for v in _versions() for s in _expected_scenarios(v)],
    ids=lambda value: f"v{value}" if isinstance(value, int) else value,
)
def test_each_history_holds_what_its_scenario_is_for(version: int, scenario: str) -> None:
    files = _scenario_files(version, scenario)
    assert files, f"v{version} has no {scenario} history"
    histories = {key: json.loads(path.read_text())["events"] for key, path in files.items()}
    try:
        held = EXPECTED[scenario](histories)
    except KeyError as missing:
        raise AssertionError(f"v{version} {scenario}: no history of step {missing}") from None
    assert held, f"v{version} {scenario}: the history does not hold what the scenario is for"


@pytest.mark.parametrize("path", _histories(), ids=lambda p: p.stem)
async def test_recorded_histories_replay_on_todays_code(path: Path) -> None:
    # The corpus is stored decrypted (see _decoded): replay it without the codec.
    plain = dataclasses.replace(data_converter(get_settings()), payload_codec=None)
    replayer = Replayer(workflows=WORKFLOWS, data_converter=plain, workflow_runner=WORKFLOW_RUNNER)
    await replayer.replay_workflow(WorkflowHistory.from_json(path.stem, path.read_text()))
