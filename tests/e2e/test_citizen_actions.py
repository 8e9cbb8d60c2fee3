"""What a person does to a running journey, over the API: consent, and cancellation."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import Session, create_engine, select
from temporalio.testing import WorkflowEnvironment

from core.tables import ConsentRecord, PaymentLedgerEntry
from tests.support.smtp import SmtpServer
from tests.support.stack import BIRTH_SERVICES, Stack, birth_intake
from tests.support.waiting import wait_for


def wait_for_status(
    stack: Stack, journey_id: str, check: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    return wait_for(
        "the journey's status", lambda: s if check(s := stack.status(journey_id)) else None
    )


def steps(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["id"]: step for step in status["steps"]}


def test_a_missing_consent_is_asked_for_and_refusing_skips_only_that_service(
    stack: Stack,
) -> None:
    consents = [s for s in BIRTH_SERVICES if s != "health.child-health-card"]
    journey_id = stack.submit(birth_intake(email="consent@example.org", consents=consents))
    status = wait_for_status(stack, journey_id, lambda s: s["state"] == "waiting_for_citizen")
    [request] = status["requests"]
    assert request["kind"] == "consent" and request["step_id"] == "health.child-health-card"
    assert request["purpose"]["en"] == "Enrol the child in the health plan"

    with stack.citizen(journey_id) as client:
        url = f"/v1/journeys/{journey_id}/consents"
        assert client.post(url, json={"service_id": "nope", "given": True}).status_code == 409
        assert client.post(url, json={"service_id": 3}).status_code == 422
        answer = client.post(url, json={"service_id": "health.child-health-card", "given": False})
        assert answer.status_code == 200, answer.text

    status = stack.wait_until_done(journey_id)
    assert status["state"] == "completed"
    health = steps(status)["health.child-health-card"]
    assert (health["state"], health["outcome"]) == ("skipped", "consent_refused")
    assert "health" not in {r["agency"] for r in stack.received(journey_id)}
    engine = create_engine(f"sqlite:///{stack.folder / 'app.db'}")
    with Session(engine) as session:
        records = session.exec(
            select(ConsentRecord).where(ConsentRecord.journey_id == journey_id)
        ).all()
    assert sorted((r.service_id, r.given, r.source) for r in records) == sorted(
        [(s, True, "intake") for s in consents] + [("health.child-health-card", False, "citizen")]
    )


@pytest.fixture(scope="module")
def slow_health_stack(
    temporal_env: WorkflowEnvironment, smtp: SmtpServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A stack whose late-deciding agencies (the health card) take ten minutes to decide: a
    cancellation reaches the health step while it waits, however slow the machine is."""
    stack = Stack(
        temporal_address=temporal_env.client.service_client.config.target_host,
        smtp_port=smtp.port,
        folder=tmp_path_factory.mktemp("slow-health"),
        decision_delay_seconds=600,
    ).start()
    yield stack
    stack.stop()


def test_cancelling_withdraws_and_reverses_what_was_done(slow_health_stack: Stack) -> None:
    stack = slow_health_stack
    journey_id = stack.submit(birth_intake(email="cancel@example.org"))
    wait_for_status(
        stack,
        journey_id,
        lambda s: (
            steps(s)["revenue.child-benefit"]["state"] == "completed"
            and steps(s)["health.child-health-card"]["state"] == "waiting_for_agency"
        ),
    )
    with stack.citizen(journey_id) as client:
        response = client.post(f"/v1/journeys/{journey_id}/cancel", json={"reason": "mistake"})
        assert response.status_code == 200, response.text
    status = stack.wait_until_done(journey_id)
    assert status["state"] == "cancelled"
    by_id = steps(status)
    # Cancelled while the health card waited for its decision (it cannot have decided: ten
    # minutes), so it is withdrawn; the benefit, decided already, is reversed and withdrawn.
    assert {k: (v["state"], v["outcome"], v["compensations"]) for k, v in by_id.items()} == {
        "verify-identity": ("completed", "verified", []),
        # No compensation defined: the registration stands, as it does in the real world.
        "vital-statistics.birth-registration": ("completed", "approved", []),
        "revenue.child-benefit": ("cancelled", "approved", ["payment_reversed", "withdrawn"]),
        "social-insurance.child-number": ("completed", "approved", []),
        "health.child-health-card": ("cancelled", "cancelled", ["withdrawn"]),
    }

    withdrawals = [r for r in stack.received(journey_id) if r["body"].get("action") == "withdraw"]
    assert sorted(r["agency"] for r in withdrawals) == ["health", "revenue"]
    engine = create_engine(f"sqlite:///{stack.folder / 'app.db'}")
    with Session(engine) as session:
        [payment] = session.exec(
            select(PaymentLedgerEntry).where(PaymentLedgerEntry.journey_id == journey_id)
        ).all()
    assert payment.status == "reversed"
    with stack.citizen(journey_id) as client:
        again = client.post(f"/v1/journeys/{journey_id}/cancel")
    assert again.status_code == 409
