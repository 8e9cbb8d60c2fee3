"""A journey's actions from its console page: only the forms that apply, each with a reason,
CSRF-checked; the action's effect on the journey, its audit entry under the operator's name with
the reason, and the journey's refusal shown the design system's way, in the page's language."""

from datetime import timedelta

import httpx
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from tests.api.conftest import TASK_QUEUE, database, recorder, time_skipping_env
from tests.api.test_operator_actions import SLOW, escalated_journey
from tests.web.console.actions import REASON, audit_entries, console, open_journey
from tests.web.forms import hidden_fields
from tests.workflows.fakes import Recorder, service_plan, start_journey
from tests.workflows.test_engine import ASK, status_when, step

__all__ = ["console", "database", "recorder", "time_skipping_env"]


def action_form(page: httpx.Response, kind: str) -> dict[str, str]:
    """The hidden fields of the page's first form for that action (the CSRF token, its ids)."""
    start = page.text.index(f'/actions/{kind}"')
    part = httpx.Response(200, text=page.text[start : page.text.index("</form>", start)])
    return hidden_fields(part)


async def test_an_operator_records_the_agencys_decision_with_a_reason(
    time_skipping_env: WorkflowEnvironment,
    recorder: Recorder,
    console: httpx.AsyncClient,
    database: Engine,
) -> None:
    journey_id = await escalated_journey(time_skipping_env)
    page = await open_journey(console, journey_id)
    assert "Resolve the escalation of" in page.text
    assert "E-mail the person again" not in page.text  # no request is open
    url = f"/console/journeys/{journey_id}/actions/resolve"
    fields = action_form(page, "resolve")

    assert (await console.post(url, data={**fields, "csrf_token": "forged"})).status_code == 403
    no_reason = await console.post(url, data={**fields, "resolution": "record_decision"})
    assert no_reason.status_code == 422
    assert 'href="#resolve-1-reason"' in no_reason.text
    assert 'href="#resolve-1-decision"' in no_reason.text
    too_long = await console.post(url, data={**fields, "resolution": "skip", "reason": "a" * 501})
    assert too_long.status_code == 422 and 'href="#resolve-1-reason"' in too_long.text
    assert audit_entries(database, "escalation_resolved", journey_id) == []

    done = await console.post(
        url,
        data={
            **fields,
            "resolution": "record_decision",
            "decision": "approved",
            "reference": "BY-PHONE-7",
            "reason": REASON,
        },
    )
    assert done.status_code == 200, done.text
    assert "The escalation is resolved." in done.text
    [entry] = audit_entries(database, "escalation_resolved", journey_id)
    assert entry.actor == "operator:operator"
    assert entry.detail == {
        "step_id": SLOW,
        "action": "record_decision",
        "decision": "approved",
        "reference": "BY-PHONE-7",
        "reason": REASON,
    }
    result = await time_skipping_env.client.get_workflow_handle(journey_id).result()
    assert result["state"] == "completed"

    # The journey is over: the same form again is refused, and says why in French too.
    refused = await console.post(
        url,
        data={**fields, "resolution": "skip", "reason": REASON},
        headers={"Accept-Language": "fr"},
    )
    assert refused.status_code in (404, 409)
    if refused.status_code == 409:
        assert "Le parcours a refusé cette action" in refused.text
        assert "Aucune action ne s’applique" in refused.text or "resolve-1" in refused.text


async def test_a_refusal_is_shown_and_nothing_is_audited(
    time_skipping_env: WorkflowEnvironment,
    recorder: Recorder,
    console: httpx.AsyncClient,
    database: Engine,
) -> None:
    handle = await start_journey(time_skipping_env.client, TASK_QUEUE, service_plan(SLOW))
    await status_when(handle, lambda s: step(s, SLOW).state == "waiting_for_agency")
    page = await open_journey(console, handle.id)
    assert "Send" in page.text and "resubmit-1" in page.text
    assert "Resolve the escalation of" not in page.text
    fields = action_form(page, "resubmit")
    # A form a moment stale: the step is not escalated, the journey's validator says so.
    refused = await console.post(
        f"/console/journeys/{handle.id}/actions/resolve",
        data={**fields, "form_id": "resubmit-1", "resolution": "skip", "reason": REASON},
    )
    assert refused.status_code == 409
    assert "govuk-error-summary" in refused.text
    assert "The journey refused this action" in refused.text
    assert "is not escalated (it is waiting_for_agency)" in refused.text
    assert audit_entries(database, "escalation_resolved", handle.id) == []

    resubmitted = await console.post(
        f"/console/journeys/{handle.id}/actions/resubmit", data={**fields, "reason": REASON}
    )
    assert resubmitted.status_code == 200, resubmitted.text
    assert "The step is sent to its agency again." in resubmitted.text
    [entry] = audit_entries(database, "step_resubmitted", handle.id)
    assert (entry.actor, entry.detail) == ("operator:operator", {"step_id": SLOW, "reason": REASON})
    # Its second round reached the agency before the journey ends (nothing left in flight to
    # stop the time-skipping server's clock for the next test).
    await status_when(
        handle,
        lambda s: (
            step(s, SLOW).state == "waiting_for_agency"
            and [sent.request.round for sent in recorder.submissions].count(2) >= 1
        ),
    )
    await handle.terminate()


async def test_an_operator_gives_more_time_and_resends_a_request(
    time_skipping_env: WorkflowEnvironment,
    recorder: Recorder,
    console: httpx.AsyncClient,
    database: Engine,
) -> None:
    recorder.script["ask.agency"] = [ASK]
    handle = await start_journey(
        time_skipping_env.client,
        TASK_QUEUE,
        service_plan("ask.agency", information_deadline=timedelta(days=30)),
    )
    await status_when(handle, lambda s: s.state == "waiting_for_citizen")
    page = await open_journey(console, handle.id)
    extend = action_form(page, "extend")
    url = f"/console/journeys/{handle.id}/actions/extend"
    too_long = await console.post(url, data={**extend, "days": "91", "reason": REASON})
    assert too_long.status_code == 422
    assert f'href="#{extend["form_id"]}-days"' in too_long.text
    french = await console.post(
        url, data={**extend, "days": "x", "reason": REASON}, headers={"Accept-Language": "fr"}
    )
    assert "Saisissez un nombre entier de jours, de 1 à 90" in french.text

    extended = await console.post(url, data={**extend, "days": "14", "reason": REASON})
    assert extended.status_code == 200, extended.text
    assert "The person has 14 more days to answer." in extended.text
    [entry] = audit_entries(database, "deadline_extended", handle.id)
    assert (entry.actor, entry.detail["days"], entry.detail["reason"]) == (
        "operator:operator",
        14,
        REASON,
    )
    resent = await console.post(
        f"/console/journeys/{handle.id}/actions/resend",
        data={**action_form(page, "resend"), "reason": REASON},
    )
    assert resent.status_code == 200, resent.text
    assert len(audit_entries(database, "message_resent", handle.id)) == 1
    await status_when(
        handle,
        lambda _: any(
            n.idempotency_key == f"{handle.id}/ask.agency/information/1/resend/1"
            for n in recorder.notifications
        ),
    )
    await handle.terminate()


async def test_strangers_cannot_act(
    time_skipping_env: WorkflowEnvironment, console: httpx.AsyncClient
) -> None:
    console.cookies.clear()
    answer = await console.post(
        "/console/journeys/00000000-0000-4000-8000-000000000000/actions/resolve",
        data={"reason": REASON},
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/sign-in")
