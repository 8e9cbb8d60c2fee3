"""A service's delivery log in the console: linked from the agencies page, its rates, newest
first, a resend per submission with a reason (audited, CSRF-checked), refusals shown."""

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from core import delivery_log
from core.tables import DeliveryAttempt
from tests.api.conftest import TASK_QUEUE, database, recorder, time_skipping_env
from tests.api.test_delivery_log import SERVICE, register
from tests.web.console.actions import REASON, audit_entries, console
from tests.web.forms import hidden_fields
from tests.workflows.fakes import Recorder, service_plan, start_journey
from tests.workflows.test_engine import status_when, step

__all__ = ["console", "database", "recorder", "time_skipping_env"]
PAGE = f"/console/agencies/logged/services/{SERVICE}/deliveries"


def logged(journey_id: str, round: int, outcome: str, status_code: int | None) -> DeliveryAttempt:
    return DeliveryAttempt(
        journey_id=journey_id,
        agency_id="logged",
        service_id=SERVICE,
        round=round,
        kind="submission",
        attempt=1,
        outcome=outcome,
        status_code=status_code,
        elapsed_ms=12,
    )


async def test_an_operator_reads_the_log_and_sends_a_delivery_again(
    time_skipping_env: WorkflowEnvironment,
    recorder: Recorder,
    console: httpx.AsyncClient,
    database: Engine,
) -> None:
    register(database)
    handle = await start_journey(
        time_skipping_env.client, TASK_QUEUE, service_plan(SERVICE, agency_id="logged")
    )
    await status_when(handle, lambda s: step(s, SERVICE).state == "waiting_for_agency")
    with Session(database) as session:
        delivery_log.record(session, logged(handle.id, 1, "unreachable", None))
        delivery_log.record(session, logged(handle.id, 2, "accepted", 202))

    page = await console.get(PAGE)
    assert page.status_code == 200, page.text
    assert "50.0 %" in page.text  # one of two submissions never got through
    assert page.text.index("accepted · HTTP 202") < page.text.index("unreachable")
    assert (
        await console.get("/console/agencies/logged/services/nope/deliveries")
    ).status_code == 404
    french = await console.get(PAGE, headers={"Accept-Language": "fr"})
    assert "Journal des envois de" in french.text and "Taux d’échec" in french.text

    with Session(database) as session:
        newest = max(row.id or 0 for row in session.exec(select(DeliveryAttempt)))
    url = f"{PAGE}/{newest}/resend"
    assert (await console.post(url, data={"reason": REASON})).status_code == 403
    empty = await console.post(url, data={**hidden_fields(page), "reason": "x"})
    assert empty.status_code == 422 and f'href="#resend-{newest}-reason"' in empty.text
    assert (
        await console.post(f"{PAGE}/999999/resend", data=hidden_fields(page))
    ).status_code == 404

    sent = await console.post(url, data={**hidden_fields(page), "reason": REASON})
    assert sent.status_code == 200, sent.text
    assert f"Delivery {newest} is sent to the agency again" in sent.text
    [entry] = audit_entries(database, "step_resubmitted", handle.id)
    assert entry.actor == "operator:operator"
    assert entry.detail == {"step_id": SERVICE, "reason": REASON, "delivery_id": newest}

    await status_when(  # the new round reached the agency: nothing left in flight
        handle, lambda _: [sent.request.round for sent in recorder.submissions].count(2) >= 1
    )
    await handle.terminate()
    refused = await console.post(url, data={**hidden_fields(page), "reason": REASON})
    assert refused.status_code == 409
    assert "The journey refused this action" in refused.text
