"""An integrator at an agency no code in the repository knows about joins over the API alone:
credentials, registration, a dry run, signed webhooks, a signed late decision, a native worker
built with the agency SDK — then new journeys reach it, with only the fields it declared."""

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from temporalio import activity
from temporalio.client import Client

from agency_sdk import AgencyDecision, AgencyRequest, activity_name, build_worker, service
from simulated_agencies.demo import days_ago
from tests.support.agency import AGENCY_REQUEST_KEYS, ExternalAgency, Script
from tests.support.stack import BIRTH_SERVICES, Stack, birth_intake


@pytest.fixture(scope="module")
def harbour(stack: Stack) -> Iterator[dict[str, Any]]:
    """The operator creates the agency; its credentials are shown once."""
    agency_id = f"harbour-{uuid.uuid4().hex[:6]}"
    with stack.operator() as operator:
        response = operator.post(
            "/v1/agencies", json={"agency_id": agency_id, "name": "Harbour Authority"}
        )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["api_key"].startswith("agk_") and created["webhook_secret"].startswith("whsec_")
    agency = ExternalAgency(created["webhook_secret"]).start()
    yield {**created, "server": agency}
    agency.stop()


def integrator(stack: Stack, api_key: str) -> httpx.Client:
    return httpx.Client(
        base_url=stack.api_url, timeout=60, headers={"Authorization": f"Bearer {api_key}"}
    )


def registration(service_id: str, url: str, **extra: Any) -> dict[str, Any]:
    return {
        "service_id": service_id,
        "title": {"en": "Harbour birth notice", "fr": "Avis de naissance portuaire"},
        "life_events": ["birth"],
        "fields": ["child.given_name", "child.birth_date"],
        "delivery": {"mode": "webhook", "url": url},
        "sla": "PT1H",
        "retry": {
            "initial_interval_seconds": 0.2,
            "maximum_interval_seconds": 1,
            "maximum_attempts": 5,
            "attempt_timeout_seconds": 2,
        },
        **extra,
    }


def test_credentials_are_scoped_rotated_and_revoked(stack: Stack, harbour: dict[str, Any]) -> None:
    agency_id = harbour["agency_id"]
    url = f"/v1/agencies/{agency_id}/services"
    with httpx.Client(base_url=stack.api_url) as anonymous:
        assert anonymous.get(url).status_code == 401
        assert (
            anonymous.post("/v1/agencies", json={"agency_id": "x1", "name": "X"}).status_code == 401
        )
    with integrator(stack, stack.agency_key("health")) as other:
        assert other.get(url).status_code == 403  # another agency's key
        assert other.post("/v1/agencies", json={"agency_id": "x2", "name": "X"}).status_code == 401
    with integrator(stack, harbour["api_key"]) as own:
        assert own.get(url).status_code == 200
        assert own.get("/v1/agencies/health/services").status_code == 403
        # Rotate with an overlap: both keys work; then revoke the old one.
        rotated = own.post(f"/v1/agencies/{agency_id}/keys", json={"overlap_seconds": 3600})
        assert rotated.status_code == 201
        new_key = rotated.json()["api_key"]
        assert own.get(url).status_code == 200
        keys = own.get(f"/v1/agencies/{agency_id}/keys").json()
        old = next(k for k in keys if k["id"] != rotated.json()["key_id"])
        assert old["expires_at"] is not None and "api_key" not in old
    with integrator(stack, new_key) as new:
        assert new.get(url).status_code == 200
        assert new.delete(f"/v1/agencies/{agency_id}/keys/{old['id']}").status_code == 204
    with integrator(stack, harbour["api_key"]) as revoked:
        assert revoked.get(url).status_code == 401
    # Rotation with no overlap ends the previous key at once.
    with integrator(stack, new_key) as current:
        newest = current.post(f"/v1/agencies/{agency_id}/keys", json={"overlap_seconds": 0})
    with integrator(stack, new_key) as expired:
        assert expired.get(url).status_code == 401
    harbour["api_key"] = newest.json()["api_key"]


def test_a_new_webhook_agency_is_tried_then_reached_by_new_journeys(
    stack: Stack, harbour: dict[str, Any]
) -> None:
    agency: ExternalAgency = harbour["server"]
    agency_id = harbour["agency_id"]
    service_id = f"{agency_id}.birth-notice"
    agency.scripts[service_id] = Script(steps=["later"], reference="HBR-77")
    with integrator(stack, harbour["api_key"]) as client:
        bad = client.post(
            f"/v1/agencies/{agency_id}/services",
            json=registration(service_id, f"{agency.url}/{service_id}", fields=["child.shoe_size"]),
        )
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "fields", 0]
        created = client.post(
            f"/v1/agencies/{agency_id}/services",
            json=registration(service_id, f"{agency.url}/{service_id}"),
        )
        assert created.status_code == 201, created.text

        # A dry run: synthetic data through the real path; the agency decides later.
        agency.scripts[service_id] = Script(steps=["ok"], reference="DRY-1")
        tried = client.post(f"/v1/agencies/{agency_id}/services/{service_id}/dry-run")
        assert tried.status_code == 200, tried.text
        result = tried.json()
        assert (result["outcome"], result["reference"]) == ("approved", "DRY-1")
        sent = result["exchanges"][0]["sent"]
        # Synthetic data only: a birth of a few days ago (core/synthetic.py), no person's.
        assert sent["data"] == {"child": {"given_name": "Synthetic", "birth_date": days_ago(5)}}, (
            sent
        )
        assert result["exchanges"][1]["received"]["decision"]["reference"] == "DRY-1"
        assert agency.deliveries[-1].signature_ok

    # A person reports a birth and chooses this service too (it joins the bundle, optional).
    agency.scripts[service_id] = Script(steps=["later"], reference="HBR-77")
    chosen = [*BIRTH_SERVICES, service_id]
    intake = birth_intake(email="harbour@example.org", services=chosen, consents=chosen)
    journey_id = stack.submit(intake)
    deadline = time.monotonic() + 30
    while not agency.pending and time.monotonic() < deadline:
        time.sleep(0.05)
    received = [d for d in agency.deliveries if d.body.get("journey_id") == journey_id]
    assert len(received) == 1 and received[0].signature_ok
    # Exactly the two fields it declared, as the person gave them, and nothing else.
    sent_body = received[0].body
    assert set(sent_body) == AGENCY_REQUEST_KEYS, sent_body
    assert sent_body["data"] == {
        "child": {
            "given_name": intake["child"]["given_name"],
            "birth_date": intake["child"]["birth_date"],
        }
    }
    assert (
        sent_body["journey_id"],
        sent_body["service_id"],
        sent_body["life_event"],
        sent_body["step_id"],
    ) == (
        journey_id,
        service_id,
        "birth",
        service_id,
    )
    assert (sent_body["prerequisites"], sent_body["information"], sent_body["round"]) == ({}, {}, 1)
    assert sent_body["callback_url"].startswith(f"{stack.api_url}/v1/agency-callbacks/")

    # A forged callback is refused; the genuine one resumes the step at once.
    url, decision = agency.pending[0]
    forged = httpx.post(
        url,
        json=decision,
        headers={
            "webhook-id": "x",
            "webhook-timestamp": str(int(time.time())),
            "webhook-signature": "v1,Zm9yZ2Vk",
        },
    )
    assert forged.status_code == 401
    assert httpx.post(url.rsplit("/", 1)[0] + "/not-a-callback", json=decision).status_code == 404
    assert agency.call_back().status_code == 202
    status = stack.wait_until_done(journey_id)
    step = next(s for s in status["steps"] if s["id"] == service_id)
    assert (step["state"], step["reference"]) == ("completed", "HBR-77")
    # Delivered again (the same webhook-id): acknowledged as a duplicate, and nothing changes.
    replay_url, body, headers = agency.last_callback
    replayed = httpx.post(replay_url, content=body, headers=headers)
    assert (replayed.status_code, replayed.json()) == (202, {"accepted": True, "duplicate": True})
    # A new delivery (another webhook-id of this callback) after the step ended: refused.
    agency.pending.append((replay_url, decision))
    assert agency.call_back(msg_id=f"{replay_url.rsplit('/', 1)[-1]}:again").status_code == 409


def test_a_rotated_webhook_secret_signs_alongside_the_old_one(
    stack: Stack, harbour: dict[str, Any]
) -> None:
    agency: ExternalAgency = harbour["server"]
    agency_id = harbour["agency_id"]
    # A service of its own: the test does not rely on another having registered one first.
    service_id = f"{agency_id}.rotation-notice"
    with integrator(stack, harbour["api_key"]) as client:
        created = client.post(
            f"/v1/agencies/{agency_id}/services",
            json=registration(service_id, f"{agency.url}/{service_id}"),
        )
        assert created.status_code == 201, created.text
        rotated = client.post(
            f"/v1/agencies/{agency_id}/webhook-secrets", json={"overlap_seconds": 3600}
        )
        assert rotated.status_code == 201
        agency.scripts[service_id] = Script(steps=["ok"], reference="ROT-1")
        agency.secrets = [rotated.json()["webhook_secret"]]  # the agency switched already
        tried = client.post(f"/v1/agencies/{agency_id}/services/{service_id}/dry-run")
        assert tried.json()["outcome"] == "approved"
        signature = agency.deliveries[-1]
        assert signature.signature_ok
        agency.secrets = [harbour["webhook_secret"]]  # or has not switched yet: still fine
        tried = client.post(f"/v1/agencies/{agency_id}/services/{service_id}/dry-run")
        assert tried.json()["outcome"] == "approved" and agency.deliveries[-1].signature_ok
        agency.secrets = [rotated.json()["webhook_secret"]]


async def test_a_native_agency_built_with_the_sdk_serves_journeys(
    stack: Stack, harbour: dict[str, Any], temporal_client: Client
) -> None:
    agency_id = harbour["agency_id"]
    service_id = f"{agency_id}.berth-register"
    task_queue = f"{agency_id}-queue"
    seen: list[AgencyRequest] = []

    @service(service_id)
    async def register_berth(request: AgencyRequest) -> AgencyDecision:
        seen.append(request)
        return AgencyDecision(decision="approved", reference=f"BERTH-{activity.info().attempt}")

    async with httpx.AsyncClient(
        base_url=stack.api_url,
        timeout=30,
        headers={"Authorization": f"Bearer {harbour['api_key']}"},
    ) as client:
        body = registration(
            service_id,
            "http://unused",
            delivery={
                "mode": "task_queue",
                "task_queue": task_queue,
                "activity": activity_name(service_id),
            },
        )
        assert (
            await client.post(f"/v1/agencies/{agency_id}/services", json=body)
        ).status_code == 201
        path = f"/v1/agencies/{agency_id}/services/{service_id}"
        assert (await client.get(path)).json()["workers"]["live"] is False
        async with build_worker(temporal_client, task_queue, [register_berth]):
            for _ in range(100):
                workers = (await client.get(path)).json()["workers"]
                if workers["live"]:
                    break
                await asyncio.sleep(0.1)
            assert workers == {"task_queue": task_queue, "live": True, "pollers": 1}
            chosen = ["vital-statistics.birth-registration", service_id]
            intake = birth_intake(email="berth@example.org", services=chosen, consents=chosen)
            response = await client.post("/v1/life-events/birth/intakes", json=intake)
            journey_id = response.json()["journey_id"]
            citizen = {"Authorization": f"Bearer {response.json()['access_token']}"}
            for _ in range(300):
                status = (await client.get(f"/v1/journeys/{journey_id}", headers=citizen)).json()
                if status["state"] == "completed":
                    break
                await asyncio.sleep(0.1)
        step = next(s for s in status["steps"] if s["id"] == service_id)
        assert (step["state"], step["reference"]) == ("completed", "BERTH-1")
        assert len(seen) == 1
        assert set(seen[0].model_dump()) == AGENCY_REQUEST_KEYS
        assert seen[0].data == {
            "child": {
                "given_name": intake["child"]["given_name"],
                "birth_date": intake["child"]["birth_date"],
            }
        }
        assert (seen[0].journey_id, seen[0].service_id, seen[0].step_id) == (
            journey_id,
            service_id,
            service_id,
        )
