"""An agency's callback signature is bound to its callback, and each delivery counts once:
the signed ``webhook-id`` must be the callback id (or the callback id, ':' and a suffix), so a
signed decision captured for one callback cannot be replayed at another callback of the same
agency; a second delivery with the same ``webhook-id`` is acknowledged and signals nothing."""

import json
import uuid

import httpx

from core.ids import callback_id, callback_webhook_id, is_callback_webhook_id
from core.settings import get_settings
from core.webhooks import signed_headers
from tests.security.inprocess import InProcessApi, api, decisions_signalled, waiting_step

__all__ = ["api"]

DECISION = json.dumps({"decision": "approved", "reference": "HC-1"}).encode()


def callback(agency_id: str, step: str, round_: int = 1) -> str:
    return callback_id(get_settings().app_secret, agency_id, step, round_)


def post(
    api: InProcessApi, callback: str, secret: str, msg_id: str, body: bytes = DECISION
) -> httpx.Response:
    headers = {**signed_headers([secret], msg_id, body), "Content-Type": "application/json"}
    response: httpx.Response = api.client.post(
        f"/v1/agency-callbacks/{callback}", content=body, headers=headers
    )
    return response


def step() -> str:
    return f"{uuid.uuid4()}/health.child-health-card"


async def test_the_webhook_id_must_name_the_callback(api: InProcessApi) -> None:
    _, secret = api.agency("health")
    waiting = step()
    await waiting_step(api.temporal, waiting)
    mine = callback("health", waiting)
    unbound = post(api, mine, secret, "cb-1")
    assert unbound.status_code == 401
    assert "webhook-id must be the callback id" in unbound.json()["detail"]
    assert await decisions_signalled(api.temporal, waiting) == []
    assert post(api, mine, secret, callback_webhook_id(mine)).status_code == 202
    [decision] = await decisions_signalled(api.temporal, waiting)
    assert (decision.decision, decision.reference) == ("approved", "HC-1")


async def test_a_signed_decision_cannot_be_replayed_at_another_callback(
    api: InProcessApi,
) -> None:
    _, secret = api.agency("health")
    step_a, step_b = step(), step()
    for waiting in (step_a, step_b):
        await waiting_step(api.temporal, waiting)
    first = callback("health", step_a)
    second = callback("health", step_b)
    msg_id = callback_webhook_id(first)
    headers = {**signed_headers([secret], msg_id, DECISION), "Content-Type": "application/json"}
    # The genuine request, captured and posted at another callback of the same agency.
    moved = api.client.post(f"/v1/agency-callbacks/{second}", content=DECISION, headers=headers)
    assert moved.status_code == 401
    # Another round of the same step is another callback too.
    next_round = callback("health", step_a, 2)
    assert (
        api.client.post(
            f"/v1/agency-callbacks/{next_round}", content=DECISION, headers=headers
        ).status_code
        == 401
    )
    assert await decisions_signalled(api.temporal, step_b) == []
    assert await decisions_signalled(api.temporal, step_a) == []
    assert (
        api.client.post(f"/v1/agency-callbacks/{first}", content=DECISION, headers=headers)
    ).status_code == 202
    assert len(await decisions_signalled(api.temporal, step_a)) == 1


async def test_a_second_delivery_of_the_same_webhook_id_signals_nothing(
    api: InProcessApi,
) -> None:
    _, secret = api.agency("health")
    waiting = step()
    await waiting_step(api.temporal, waiting)
    mine = callback("health", waiting)
    msg_id = callback_webhook_id(mine)
    first = post(api, mine, secret, msg_id)
    assert (first.status_code, first.json()) == (202, {"accepted": True, "duplicate": False})
    again = post(api, mine, secret, msg_id)
    assert (again.status_code, again.json()) == (202, {"accepted": True, "duplicate": True})
    # Even with another body and a fresh signature: the webhook-id was received.
    other = json.dumps({"decision": "rejected"}).encode()
    assert post(api, mine, secret, msg_id, other).json()["duplicate"] is True
    [decision] = await decisions_signalled(api.temporal, waiting)
    assert decision.decision == "approved"
    # Another webhook-id of the same callback is another delivery (the step keeps the first).
    assert post(api, mine, secret, callback_webhook_id(mine, "retry")).json()["duplicate"] is False
    assert len(await decisions_signalled(api.temporal, waiting)) == 2


async def test_a_delivery_that_could_not_be_signalled_may_be_retried(api: InProcessApi) -> None:
    """The step was not there (yet) to take the decision: the agency's retry, with the same
    webhook-id, is a first delivery, not a duplicate."""
    _, secret = api.agency("health")
    waiting = step()
    mine = callback("health", waiting)
    msg_id = callback_webhook_id(mine)
    assert post(api, mine, secret, msg_id).status_code == 409
    await waiting_step(api.temporal, waiting)
    retried = post(api, mine, secret, msg_id)
    assert (retried.status_code, retried.json()["duplicate"]) == (202, False)
    assert len(await decisions_signalled(api.temporal, waiting)) == 1


async def test_a_callbacks_message_reaches_history_without_ids_addresses_or_dates(
    api: InProcessApi,
) -> None:
    _, secret = api.agency("health")
    waiting = step()
    await waiting_step(api.temporal, waiting)
    mine = callback("health", waiting)
    body = json.dumps(
        {
            "decision": "rejected",
            "message": "Born 2026-11-20, id 123456782: write to parent@example.org",
        }
    ).encode()
    assert post(api, mine, secret, callback_webhook_id(mine), body).status_code == 202
    [decision] = await decisions_signalled(api.temporal, waiting)
    assert decision.message is not None
    for value in ("2026-11-20", "123456782", "parent@example.org"):
        assert value not in decision.message


def test_webhook_ids_of_a_callback() -> None:
    assert callback_webhook_id("abc.def") == "abc.def:decision"
    assert is_callback_webhook_id("abc.def", "abc.def")
    assert is_callback_webhook_id("abc.def", "abc.def:anything")
    assert not is_callback_webhook_id("abc.def", "abc.defg")
    assert not is_callback_webhook_id("abc.def", "xabc.def:decision")
    assert not is_callback_webhook_id("abc.def", "cb-1")
