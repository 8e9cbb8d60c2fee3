"""A registry reports a death: the next of kin is offered the journey, confirms it, and it runs.
The same event delivered twice starts one journey."""

import re
import time
import uuid
from typing import Any

import httpx

from simulated_agencies.demo import ELEANOR, MARC, days_ago
from tests.support.smtp import SmtpServer, text_of
from tests.support.stack import REGISTRY_TOKEN, Stack


def death_registered(event_id: str, email: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "urn:registry:vital-statistics",
        "type": "vital-statistics.death.registered",
        "time": "2026-11-20T10:00:00Z",
        "datacontenttype": "application/json",
        "data": {
            "deceased": {**ELEANOR.identity(), "date_of_death": days_ago(1)},
            "next_of_kin": {"email": email, "language": "en"},
        },
    }


def registry() -> httpx.Client:
    return httpx.Client(headers={"Authorization": f"Bearer {REGISTRY_TOKEN}"}, timeout=30)


def test_a_registered_death_offers_the_journey_once_and_runs_it_when_confirmed(
    stack: Stack, smtp: SmtpServer
) -> None:
    email = "next-of-kin@example.org"
    event = death_registered(f"death-{uuid.uuid4()}", email)
    with registry() as client:
        first = client.post(f"{stack.api_url}/v1/registry-events", json=event)
        again = client.post(f"{stack.api_url}/v1/registry-events", json=event)
    assert first.status_code == 202, first.text
    assert again.status_code == 200
    journey_id = first.json()["journey_id"]
    assert again.json()["journey_id"] == journey_id

    # The next of kin never made an intake: the offer e-mail carries their key to the journey.
    deadline = time.monotonic() + 10
    while not smtp.inbox.messages(email) and time.monotonic() < deadline:
        time.sleep(0.1)
    [message] = smtp.inbox.messages(email)
    assert "without filling in any application" in text_of(message)
    token = re.search(r"(jt_[\w.-]+)", text_of(message))
    assert token is not None
    stack.tokens[journey_id] = token.group(1)

    status = stack.status(journey_id)
    assert status["state"] == "waiting_for_citizen"
    [offer] = status["requests"]
    assert (offer["id"], offer["kind"], offer["state"]) == ("confirmation", "confirmation", "open")
    chosen = ["pension.stop-payments", "tax.final-return", "passport.cancel"]
    informant = {**MARC.identity(), "relationship": "spouse"}
    with stack.citizen(journey_id) as client:
        url = f"/v1/journeys/{journey_id}/confirmation"
        bad = client.post(
            url, json={"informant": {**informant, "relationship": "cousin"}, "services": chosen}
        )
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "informant", "relationship"]
        needs = client.post(
            url, json={"informant": informant, "services": ["pension.survivor-benefit"]}
        )
        assert needs.status_code == 409
        confirmed = client.post(
            url, json={"informant": informant, "services": chosen, "consents": chosen}
        )
        assert confirmed.status_code == 200, confirmed.text
        assert (
            client.post(url, json={"informant": informant, "services": chosen}).status_code == 409
        )

    status = stack.wait_until_done(journey_id)
    assert status["state"] == "completed"
    steps = {step["id"]: step for step in status["steps"]}
    assert {sid for sid, s in steps.items() if s["state"] == "completed"} == {
        "verify-identity",
        *chosen,
    }
    assert {
        s["outcome"] for sid, s in steps.items() if sid not in chosen and sid != "verify-identity"
    } == {"not_chosen"}
    assert {r["body"]["service_id"] for r in stack.received(journey_id)} == set(chosen)


def test_registry_events_are_checked(stack: Stack) -> None:
    event = death_registered(f"death-{uuid.uuid4()}", "x@example.org")
    url = f"{stack.api_url}/v1/registry-events"
    assert httpx.post(url, json=event).status_code == 401
    with registry() as client:
        unknown = client.post(url, json={**event, "type": "vital-statistics.birth.moved"})
        assert unknown.status_code == 422
        assert unknown.json()["detail"][0]["loc"] == ["body", "type"]
        data = {
            **event["data"],
            "deceased": {**event["data"]["deceased"], "date_of_death": "yesterday"},
        }
        bad = client.post(url, json={**event, "data": data})
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "data", "deceased", "date_of_death"]
        assert client.post(url, json={**event, "specversion": "0.3"}).status_code == 422
