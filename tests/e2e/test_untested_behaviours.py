"""Behaviours that had no test, on the real stack: a service out of retry attempts, retried and
non-retried 4xx answers, callbacks refused for a stale or a foreign signature, a request for
information by callback, dry runs that decide later, a service's life cycle over the integrator
API, a revoked webhook secret, the escalated filter, and a journey's status with no worker."""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook
from temporalio.testing import WorkflowEnvironment

from tests.support.agency import Delivery, Script
from tests.support.registered_agency import (
    REGISTRATION,
    StatusAgency,
    close,
    journey_with,
    new_agency,
    register,
    registration,
)
from tests.support.smtp import SmtpServer
from tests.support.stack import BIRTH_SERVICES, Stack, birth_intake
from tests.support.waiting import wait_for


@pytest.fixture(scope="module")
def dock(stack: Stack) -> Iterator[dict[str, Any]]:
    agency = new_agency(stack, "dock")
    yield agency
    close(agency)


def dry_run(agency: dict[str, Any], service_id: str, timeout: float = 30) -> dict[str, Any]:
    response = agency["client"].post(
        f"/v1/agencies/{agency['agency_id']}/services/{service_id}/dry-run",
        json={"timeout_seconds": timeout},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def deliveries(agency: dict[str, Any], service_id: str) -> list[Delivery]:
    return [d for d in agency["server"].deliveries if d.path == service_id]


def step_of(status: dict[str, Any], service_id: str) -> dict[str, Any]:
    step: dict[str, Any] = next(s for s in status["steps"] if s["id"] == service_id)
    return step


def pending_for(agency: dict[str, Any], journey_id: str) -> tuple[str, dict[str, Any]]:
    """The callback the agency holds for a journey (taken out of its queue)."""
    server: StatusAgency = agency["server"]

    def find() -> tuple[str, dict[str, Any]] | None:
        for index, (url, _decision) in enumerate(server.pending):
            received = [d for d in server.deliveries if d.body.get("callback_url") == url]
            if received and received[-1].body["journey_id"] == journey_id:
                return server.pending.pop(index)
        return None

    found: tuple[str, dict[str, Any]] = wait_for("the agency holding a callback", find)
    return found


def post_callback(
    url: str, decision: dict[str, Any], secret: str, *, age: timedelta = timedelta(0)
) -> httpx.Response:
    """A callback signed with ``secret``, its webhook-id bound to the callback, dated ``age``
    ago."""
    msg_id = f"{url.rsplit('/', 1)[-1]}:decision"
    body = json.dumps(decision)
    timestamp = datetime.now(UTC) - age
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, timestamp, body),
        "Content-Type": "application/json",
    }
    return httpx.post(url, content=body, headers=headers, timeout=10)


def mail_text(smtp: SmtpServer, to: str) -> list[str]:
    texts = []
    for message in smtp.inbox.messages(to=to):
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        texts.append(str(part.get_content()))
    return texts


# --- 10. Retries -----------------------------------------------------------------------------


def test_a_service_out_of_attempts_fails_and_says_it_failed(
    stack: Stack, smtp: SmtpServer, dock: dict[str, Any]
) -> None:
    service_id = register(dock, "down", attempts=2, title="Dock permit")
    dock["server"].scripts[service_id] = Script(steps=["5xx"])  # 503, every time
    email = f"down-{uuid.uuid4().hex[:6]}@example.org"
    journey_id = journey_with(stack, service_id, email)
    status = stack.wait_until_done(journey_id)

    step = step_of(status, service_id)
    assert (step["state"], step["outcome"]) == ("failed", "submission_failed")
    [reason] = step["reasons"]
    assert "retry" not in reason and "failed after 2 attempts" in reason, reason
    assert status["state"] == "completed_with_issues"
    seen = [d for d in deliveries(dock, service_id) if d.body["journey_id"] == journey_id]
    assert len(seen) == 2 and len({d.msg_id for d in seen}) == 1
    # The person is told it failed, not that it will be tried again.
    texts = wait_for(
        "the e-mail saying why",
        lambda: [t for t in mail_text(smtp, email) if "Dock permit" in t and reason in t],
    )
    assert len(texts) == 1 and "will retry" not in texts[0]
    assert "We could not complete: Dock permit" in texts[0]


@pytest.mark.parametrize("code", [408, 409, 425, 429])
def test_a_busy_answer_is_retried_with_the_same_webhook_id(dock: dict[str, Any], code: int) -> None:
    service_id = register(dock, f"busy{code}")
    dock["server"].statuses[service_id] = [code]  # then 200 with a decision
    result = dry_run(dock, service_id)
    assert result["outcome"] == "approved", result
    seen = deliveries(dock, service_id)
    assert [d.signature_ok for d in seen] == [True, True]
    assert len({d.msg_id for d in seen}) == 1


@pytest.mark.parametrize("code", [400, 403, 404])
def test_another_4xx_is_not_retried(dock: dict[str, Any], code: int) -> None:
    service_id = register(dock, f"no{code}")
    dock["server"].statuses[service_id] = [code]  # a retry would be approved
    result = dry_run(dock, service_id)
    assert (result["state"], result["reasons"]) == (
        "failed",
        [f"The agency refused the request ({code})."],
    )
    assert len(deliveries(dock, service_id)) == 1


# --- 11. Callbacks ---------------------------------------------------------------------------


def test_a_stale_or_foreign_signature_is_refused_and_the_genuine_one_resumes(
    stack: Stack, dock: dict[str, Any]
) -> None:
    service_id = register(dock, "later")
    dock["server"].scripts[service_id] = Script(steps=["later"], reference="LATE-1")
    journey_id = journey_with(stack, service_id, "later@example.org")
    url, decision = pending_for(dock, journey_id)
    other = new_agency(stack, "other")
    try:
        stale = post_callback(url, decision, dock["webhook_secret"], age=timedelta(minutes=6))
        assert stale.status_code == 401, stale.text
        foreign = post_callback(url, decision, other["webhook_secret"])
        assert foreign.status_code == 401, foreign.text
    finally:
        close(other)
    assert step_of(stack.status(journey_id), service_id)["state"] == "waiting_for_agency"
    # Four minutes old is within the tolerance, and signed by the right agency: accepted.
    genuine = post_callback(url, decision, dock["webhook_secret"], age=timedelta(minutes=4))
    assert genuine.status_code == 202, genuine.text
    step = step_of(stack.wait_until_done(journey_id), service_id)
    assert (step["state"], step["reference"]) == ("completed", "LATE-1")


def test_needs_information_by_callback_asks_the_person_then_submits_round_2(
    stack: Stack, dock: dict[str, Any]
) -> None:
    service_id = register(dock, "asks")
    dock["server"].scripts[service_id] = Script(steps=["later", "ok"], reference="ASK-2")
    journey_id = journey_with(stack, service_id, "asks@example.org")
    url, _ = pending_for(dock, journey_id)
    asked = {"decision": "needs_information", "requested": ["bank_account"], "message": "Where?"}
    assert post_callback(url, asked, dock["webhook_secret"]).status_code == 202

    status = wait_for(
        "the journey waiting for the person",
        lambda: (s := stack.status(journey_id))["state"] == "waiting_for_citizen" and s,
    )
    assert step_of(status, service_id)["state"] == "waiting_for_citizen"
    [request] = [r for r in status["requests"] if r["kind"] == "information"]
    assert (request["step_id"], request["requested"]) == (service_id, ["bank_account"])
    with stack.citizen(journey_id) as citizen:
        answered = citizen.post(
            f"/v1/journeys/{journey_id}/information",
            json={"request_id": request["id"], "answers": {"bank_account": "00123-456"}},
        )
    assert answered.status_code == 200, answered.text

    step = step_of(stack.wait_until_done(journey_id), service_id)
    assert (step["state"], step["reference"]) == ("completed", "ASK-2")
    first, second = [d for d in deliveries(dock, service_id) if d.body["journey_id"] == journey_id]
    assert (first.body["round"], second.body["round"]) == (1, 2)
    assert second.body["information"] == {"bank_account": "00123-456"}
    assert second.msg_id == f"{first.msg_id}/2"
    assert second.body["callback_url"] != first.body["callback_url"]


def test_a_dry_run_reports_a_decision_that_comes_by_callback(dock: dict[str, Any]) -> None:
    service_id = register(dock, "decides-later")
    server: StatusAgency = dock["server"]
    server.scripts[service_id] = Script(steps=["later"], reference="LATER-9")

    def call_back_soon() -> None:
        wait_for("a pending callback", lambda: server.pending)
        time.sleep(0.5)
        server.call_back()

    caller = threading.Thread(target=call_back_soon)
    caller.start()
    result = dry_run(dock, service_id, timeout=30)
    caller.join(timeout=5)
    assert server.last_callback is not None
    assert (result["state"], result["outcome"], result["reference"]) == (
        "completed",
        "approved",
        "LATER-9",
    )
    kinds = [next(k for k in exchange if k != "at") for exchange in result["exchanges"]]
    assert kinds == ["sent", "received", "callback"]
    assert result["exchanges"][1]["received"]["status"] == 202
    assert result["exchanges"][2]["callback"]["reference"] == "LATER-9"


# --- 13. The integrator API ------------------------------------------------------------------


def catalog_ids(stack: Stack) -> list[str]:
    with stack.api() as client:
        response = client.get("/v1/life-events/birth")
    assert response.status_code == 200
    return [s["id"] for s in response.json()["services"]]


def test_a_service_disabled_enabled_versioned_and_deleted(
    stack: Stack, dock: dict[str, Any]
) -> None:
    client: httpx.Client = dock["client"]
    service_id = register(dock, "lifecycle", title="Mooring v1")
    path = f"/v1/agencies/{dock['agency_id']}/services/{service_id}"
    chosen = [REGISTRATION, service_id]
    intake = birth_intake(email="lifecycle@example.org", services=chosen, consents=chosen)
    assert service_id in catalog_ids(stack)

    assert client.post(f"{path}/disable").status_code == 200
    assert service_id not in catalog_ids(stack)
    with stack.api() as api:
        refused = api.post("/v1/life-events/birth/intakes", json=intake)
    assert refused.status_code == 422, refused.text
    assert "lifecycle" in refused.text

    assert client.post(f"{path}/enable").status_code == 200
    assert service_id in catalog_ids(stack)
    with stack.api() as api:
        accepted = api.post("/v1/life-events/birth/intakes", json=intake)
    assert accepted.status_code == 202, accepted.text
    assert service_id in accepted.json()["services"]

    for title in ("Mooring v2", "Mooring v3"):
        body = registration(dock, service_id, title=title)
        assert client.put(path, json=body).status_code == 200
    versions = client.get(f"{path}/versions").json()
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert [v["registration"]["title"]["en"] for v in versions] == [
        "Mooring v1",
        "Mooring v2",
        "Mooring v3",
    ]

    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404
    assert service_id not in catalog_ids(stack)
    with stack.api() as api:
        gone = api.post("/v1/life-events/birth/intakes", json=intake)
    assert gone.status_code == 422, gone.text


def test_a_revoked_webhook_secret_no_longer_signs(stack: Stack) -> None:
    agency = new_agency(stack, "vault")
    try:
        client: httpx.Client = agency["client"]
        server: StatusAgency = agency["server"]
        service_id = register(agency, "notice")
        old = agency["webhook_secret"]
        rotated = client.post(
            f"/v1/agencies/{agency['agency_id']}/webhook-secrets", json={"overlap_seconds": 3600}
        )
        assert rotated.status_code == 201, rotated.text
        new = rotated.json()["webhook_secret"]
        secrets = client.get(f"/v1/agencies/{agency['agency_id']}/webhook-secrets").json()
        [old_id] = [s["id"] for s in secrets if s["id"] != rotated.json()["secret_id"]]

        server.secrets = [old]  # during the overlap, the old secret still verifies
        assert dry_run(agency, service_id)["outcome"] == "approved"
        revoked = client.delete(f"/v1/agencies/{agency['agency_id']}/webhook-secrets/{old_id}")
        assert revoked.status_code == 204

        server.secrets = [old]
        refused = dry_run(agency, service_id)
        assert not server.deliveries[-1].signature_ok
        assert refused["reasons"] == ["The agency refused the request (401)."]
        server.secrets = [new]
        assert dry_run(agency, service_id)["outcome"] == "approved"
        assert server.deliveries[-1].signature_ok
    finally:
        close(agency)


# --- A journey's status with no worker -------------------------------------------------------


def test_the_status_answers_without_a_worker(
    temporal_env: WorkflowEnvironment, smtp: SmtpServer, tmp_path: Path
) -> None:
    own = Stack(
        temporal_address=temporal_env.client.service_client.config.target_host,
        smtp_port=smtp.port,
        folder=tmp_path,
        decision_delay_seconds=0.2,
    ).start()
    try:
        done_id = own.submit(birth_intake(email="history@example.org"))
        done = own.wait_until_done(done_id)
        assert done["state"] == "completed"
        consents = [s for s in BIRTH_SERVICES if s != "health.child-health-card"]
        running_id = own.submit(birth_intake(email="nobody-runs@example.org", consents=consents))

        def quiet() -> bool:  # nothing left to run but what waits for the person's consent
            status = own.status(running_id)
            moving = {"pending", "running", "waiting_for_agency"}
            return status["state"] == "waiting_for_citizen" and not any(
                step["state"] in moving for step in status["steps"]
            )

        wait_for("the worker idle", quiet, every=0.1)
        waiting = own.status(running_id)

        own.kill_worker()
        assert own.status(done_id) == done  # from history: no worker needed
        assert own.status(running_id) == waiting  # from the journey's memo: none needed either
        # A journey no worker has reached yet: nothing has run, and its plan says what will.
        unstarted_id = own.submit(birth_intake(email="unstarted@example.org"))
        with own.citizen(unstarted_id) as citizen:
            started = time.monotonic()
            response = citizen.get(f"/v1/journeys/{unstarted_id}")
            waited = time.monotonic() - started
        assert response.status_code == 200, response.text
        unstarted = response.json()
        assert [step["id"] for step in unstarted["steps"]] == ["verify-identity", *BIRTH_SERVICES]
        assert {step["state"] for step in unstarted["steps"]} == {"pending"}
        assert waited < 5  # read from Temporal, no worker asked

        own.start_process("worker")  # back: the journey runs, and its status follows it
        assert own.wait_until_done(unstarted_id)["state"] == "completed"
    finally:
        own.stop()


# --- 13. The escalated filter (the journey started with the session: tests/conftest.py) -------


@pytest.mark.last  # its journey's one-minute SLA passes while the other tests run
def test_an_escalated_journey_is_listed_as_escalated(
    stack: Stack, escalated_journey: dict[str, str]
) -> None:
    journey_id, service_id = escalated_journey["journey_id"], escalated_journey["service_id"]
    step = wait_for(
        "the step's reasons",
        lambda: (s := step_of(stack.status(journey_id), service_id))["reasons"] and s,
        timeout=120,
        every=1,
    )
    assert step["state"] == "waiting_for_agency"
    assert step["reasons"][0].endswith("Escalated to operators.")

    def listed(escalated: str) -> list[str]:
        with stack.operator() as operator:
            response = operator.get("/v1/journeys", params={"escalated": escalated, "limit": 1000})
        assert response.status_code == 200, response.text
        return [j["journey_id"] for j in response.json()["journeys"]]

    wait_for("the journey listed as escalated", lambda: journey_id in listed("true"), 20, 0.5)
    assert journey_id not in listed("false")
    # A journey never escalated has no value at all, and is listed as not escalated.
    calm = stack.submit(birth_intake(email="calm@example.org"))
    wait_for("the journey never escalated listed as such", lambda: calm in listed("false"), 20, 0.5)
    assert calm not in listed("true")
