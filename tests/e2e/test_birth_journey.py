"""A birth told once reaches four agencies, through webhooks, a late callback and a native
worker, on the real stack."""

import time

from sqlmodel import Session, create_engine, select

from lifeevents.identity_checks import GENERIC_REASON
from lifeevents.tables import PaymentLedgerEntry
from simulated_agencies.demo import JORDAN, SAM
from tests.support.smtp import SmtpServer
from tests.support.stack import Stack, birth_intake

SERVICES = {
    "vital-statistics.birth-registration": "vital-statistics",
    "revenue.child-benefit": "revenue",
    "social-insurance.child-number": "social-insurance",
    "health.child-health-card": "health",
}


def _ledger(stack: Stack, journey_id: str) -> list[PaymentLedgerEntry]:
    engine = create_engine(f"sqlite:///{stack.folder / 'app.db'}")
    with Session(engine) as session:
        statement = select(PaymentLedgerEntry).where(PaymentLedgerEntry.journey_id == journey_id)
        return list(session.exec(statement).all())


def test_a_birth_reaches_every_agency_and_the_parent_hears_from_each(
    stack: Stack, smtp: SmtpServer
) -> None:
    email = "birth-e2e@example.org"
    journey_id = stack.submit(birth_intake(email=email, language="fr"))

    # While it runs, the late-deciding agency's step waits for its decision, durably.
    seen_states: set[str] = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = stack.status(journey_id)
        seen_states |= {step["state"] for step in status["steps"]}
        if "waiting_for_agency" in seen_states or status["state"] != "running":
            break
        time.sleep(0.05)
    assert "waiting_for_agency" in seen_states

    status = stack.wait_until_done(journey_id)
    assert status["state"] == "completed"
    assert status["completed_at"] is not None
    steps = {step["id"]: step for step in status["steps"]}
    assert steps["verify-identity"]["state"] == "completed"
    for service_id, agency in SERVICES.items():
        step = steps[service_id]
        assert (step["state"], step["outcome"], step["agency"]) == ("completed", "approved", agency)
        assert step["reference"]

    # Each agency received the request once, with only the fields it declared.
    received = stack.received(journey_id)
    assert sorted(r["body"]["service_id"] for r in received) == sorted(SERVICES)
    revenue = next(r["body"] for r in received if r["agency"] == "revenue")
    assert revenue["data"] == {
        "child": {"given_name": "Noah", "birth_date": revenue["data"]["child"]["birth_date"]},
        "informant": {"national_id": JORDAN.national_id},
    }
    assert revenue["callback_url"].startswith(f"{stack.api_url}/v1/agency-callbacks/")

    # One e-mail per service, in French, saying which service and what happens next.
    deadline = time.monotonic() + 10
    while len(smtp.inbox.messages(email)) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    messages = smtp.inbox.messages(email)
    assert len(messages) == 4
    bodies = [m.get_content() for m in messages]
    assert any("Allocation canadienne pour enfants" in b for b in bodies)
    assert all("Et ensuite" in b for b in bodies)
    assert len({m["Message-ID"] for m in messages}) == 4

    # The child benefit pays, once.
    [payment] = _ledger(stack, journey_id)
    assert (payment.service_id, payment.amount_cents, payment.currency) == (
        "revenue.child-benefit",
        64875,
        "CAD",
    )


def test_an_unverified_informant_ends_the_journey_before_any_agency(stack: Stack) -> None:
    intruder = {**JORDAN.identity(), "birth_date": "1990-01-01"}  # not the date on record
    journey_id = stack.submit(birth_intake(email="nobody@example.org", informant=intruder))
    status = stack.wait_until_done(journey_id)
    assert status["state"] == "failed"
    identity = status["steps"][0]
    assert identity["state"] == "failed"
    # Which detail did not match is for operators only (tests/security/test_identity_oracle.py).
    assert identity["reasons"] == [GENERIC_REASON["en"]]
    assert {step["state"] for step in status["steps"][1:]} == {"skipped"}
    assert stack.received(journey_id) == []


def test_not_eligible_is_an_outcome_with_reasons_not_an_error(stack: Stack) -> None:
    journey_id = stack.submit(birth_intake(email="sam@example.org", informant=SAM.identity()))
    status = stack.wait_until_done(journey_id)
    assert status["state"] == "completed"
    benefit = next(s for s in status["steps"] if s["id"] == "revenue.child-benefit")
    assert benefit["state"] == "not_eligible"
    assert benefit["reasons"] == ["The person applying must be at least 16 years old."]
    assert "revenue" not in {r["agency"] for r in stack.received(journey_id)}
    assert _ledger(stack, journey_id) == []


def test_the_person_chooses_which_services_run(stack: Stack) -> None:
    chosen = ["vital-statistics.birth-registration"]
    journey_id = stack.submit(birth_intake(email="choose@example.org", services=chosen))
    status = stack.wait_until_done(journey_id)
    assert [step["id"] for step in status["steps"]] == ["verify-identity", *chosen]
    assert [r["agency"] for r in stack.received(journey_id)] == ["vital-statistics"]
