"""Operators' actions on one journey over the API (the real app in process, the time-skipping
server, the recording worker): each answer, its audit entry under the operator's name with the
reason, and the refusals (401, 404, 409, 422)."""

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from core import journey_tokens
from core.settings import get_settings
from core.tables import AuditEntry
from tests.api.conftest import TASK_QUEUE
from tests.support.inprocess_api import OPERATOR
from tests.workflows.fakes import Recorder, service_plan, start_journey
from tests.workflows.test_engine import ASK, status_when, step

SLOW = "slow.agency"
REASON = "The agency confirmed by phone (ticket 4411)"


async def escalated_journey(env: WorkflowEnvironment) -> str:
    handle = await start_journey(
        env.client, TASK_QUEUE, service_plan(SLOW, sla=timedelta(days=2), on_sla="escalate")
    )
    await status_when(handle, lambda s: step(s, SLOW).state == "waiting_for_agency")
    await env.sleep(timedelta(days=3))
    await status_when(handle, lambda s: step(s, SLOW).escalated)
    return handle.id


def audit_entries(engine: Engine, journey_id: str, action: str) -> list[AuditEntry]:
    with Session(engine) as session:
        query = select(AuditEntry).where(
            AuditEntry.journey_id == journey_id, AuditEntry.action == action
        )
        return list(session.exec(query).all())


async def test_an_operator_records_a_decision_and_the_audit_trail_keeps_who_and_why(
    time_skipping_env: WorkflowEnvironment,
    recorder: Recorder,
    api: httpx.AsyncClient,
    database: Engine,
) -> None:
    journey_id = await escalated_journey(time_skipping_env)
    body = {
        "step_id": SLOW,
        "action": "record_decision",
        "decision": "approved",
        "reference": "BY-PHONE-7",
        "reason": REASON,
    }
    answer = await api.post(
        f"/v1/journeys/{journey_id}/resolve-escalation", json=body, headers=OPERATOR
    )
    assert answer.status_code == 200, answer.text
    assert step_of(answer.json(), SLOW)["escalated"] is False
    [entry] = audit_entries(database, journey_id, "escalation_resolved")
    assert entry.actor == "operator:operator"
    assert entry.detail == body
    handle = time_skipping_env.client.get_workflow_handle(journey_id)
    result = await handle.result()
    assert result["state"] == "completed"
    assert step_of(result, SLOW)["reference"] == "BY-PHONE-7"


def step_of(status: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in status["steps"] if s["id"] == step_id)


async def test_what_does_not_apply_or_is_not_an_operators_is_refused(
    time_skipping_env: WorkflowEnvironment,
    recorder: Recorder,
    api: httpx.AsyncClient,
    database: Engine,
) -> None:
    handle = await start_journey(time_skipping_env.client, TASK_QUEUE, service_plan(SLOW))
    await status_when(handle, lambda s: step(s, SLOW).state == "waiting_for_agency")
    url = f"/v1/journeys/{handle.id}/resolve-escalation"
    skip = {"step_id": SLOW, "action": "skip", "reason": REASON}

    assert (await api.post(url, json=skip)).status_code == 401
    person = journey_tokens.issue(get_settings(), handle.id)
    mine = {"Authorization": f"Bearer {person}"}
    assert (await api.post(url, json=skip, headers=mine)).status_code == 401

    refused = await api.post(url, json=skip, headers=OPERATOR)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert "'slow.agency' is not escalated (it is waiting_for_agency)" in refused.json()["detail"]

    no_reason = await api.post(url, json={**skip, "reason": ""}, headers=OPERATOR)
    assert no_reason.status_code == 422
    assert ["body", "reason"] in [e["loc"] for e in no_reason.json()["errors"]]
    undecided = await api.post(url, json={**skip, "action": "record_decision"}, headers=OPERATOR)
    assert undecided.status_code == 422
    too_long = {"request_id": "x", "days": 91, "reason": REASON}
    extension = await api.post(
        f"/v1/journeys/{handle.id}/extend-deadline", json=too_long, headers=OPERATOR
    )
    assert extension.status_code == 422
    assert ["body", "days"] in [e["loc"] for e in extension.json()["errors"]]
    unknown = "00000000-0000-4000-8000-000000000000"
    missing = await api.post(
        f"/v1/journeys/{unknown}/resolve-escalation", json=skip, headers=OPERATOR
    )
    assert missing.status_code == 404
    assert audit_entries(database, handle.id, "escalation_resolved") == []

    resubmitted = await api.post(
        f"/v1/journeys/{handle.id}/resubmit",
        json={"step_id": SLOW, "reason": REASON},
        headers=OPERATOR,
    )
    assert resubmitted.status_code == 200, resubmitted.text
    [entry] = audit_entries(database, handle.id, "step_resubmitted")
    assert entry.detail == {"step_id": SLOW, "reason": REASON}
    await status_when(
        handle,
        lambda s: (
            step(s, SLOW).state == "waiting_for_agency"
            and [sent.request.round for sent in recorder.submissions].count(2) == 1
        ),
    )
    await handle.terminate()


async def test_an_operator_gives_more_time_and_resends_a_request_for_information(
    time_skipping_env: WorkflowEnvironment,
    recorder: Recorder,
    api: httpx.AsyncClient,
    database: Engine,
) -> None:
    recorder.script["ask.agency"] = [ASK]
    handle = await start_journey(
        time_skipping_env.client,
        TASK_QUEUE,
        service_plan("ask.agency", information_deadline=timedelta(days=30)),
    )
    waiting = await status_when(handle, lambda s: s.state == "waiting_for_citizen")
    [request] = waiting.requests
    assert request.due_at is not None
    extended = await api.post(
        f"/v1/journeys/{handle.id}/extend-deadline",
        json={"request_id": request.id, "days": 14, "reason": REASON},
        headers=OPERATOR,
    )
    assert extended.status_code == 200, extended.text
    new_due = request.due_at + timedelta(days=14)
    assert extended.json()["due_at"] == new_due.isoformat().replace("+00:00", "Z")
    [entry] = audit_entries(database, handle.id, "deadline_extended")
    assert (entry.actor, entry.detail["days"], entry.detail["reason"]) == (
        "operator:operator",
        14,
        REASON,
    )
    resent = await api.post(
        f"/v1/journeys/{handle.id}/resend-message",
        json={"request_id": request.id, "reason": REASON},
        headers=OPERATOR,
    )
    assert resent.status_code == 200, resent.text
    assert len(audit_entries(database, handle.id, "message_resent")) == 1
    await status_when(
        handle,
        lambda _: any(
            n.idempotency_key == f"{handle.id}/ask.agency/information/1/resend/1"
            for n in recorder.notifications
        ),
    )
    await handle.terminate()
