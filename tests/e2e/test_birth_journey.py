"""A birth told once reaches four agencies, through webhooks, a late callback and a native
worker, on the real stack."""

import re
import time
from typing import Any

import httpx
from sqlmodel import Session, create_engine, select

from core.identity_checks import GENERIC_REASON
from core.ids import callback_target
from core.settings import get_settings
from core.tables import PaymentLedgerEntry
from simulated_agencies.demo import JORDAN, SAM
from tests.support.agency import AGENCY_REQUEST_KEYS
from tests.support.smtp import SmtpServer, text_of
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


def expected_data(intake: dict[str, Any], service_id: str) -> dict[str, Any]:
    """What each birth agency declared in services.yaml, taken from the intake as sent (the
    intake has no birth place: a declared field the person left out is not sent)."""
    child, informant = intake["child"], intake["informant"]
    match service_id:
        case "vital-statistics.birth-registration":
            return {
                "child": {
                    "given_name": child["given_name"],
                    "family_name": child["family_name"],
                    "birth_date": child["birth_date"],
                    "sex": child["sex"],
                },
                "informant": {
                    "national_id": informant["national_id"],
                    "given_name": informant["given_name"],
                    "family_name": informant["family_name"],
                },
            }
        case "revenue.child-benefit":
            return {
                "child": {"given_name": child["given_name"], "birth_date": child["birth_date"]},
                "informant": {"national_id": informant["national_id"]},
            }
        case "social-insurance.child-number":
            return {
                "child": {
                    "given_name": child["given_name"],
                    "family_name": child["family_name"],
                    "birth_date": child["birth_date"],
                    "sex": child["sex"],
                },
                "informant": {"national_id": informant["national_id"]},
            }
        case "health.child-health-card":
            return {
                "child": {
                    "given_name": child["given_name"],
                    "family_name": child["family_name"],
                    "birth_date": child["birth_date"],
                    "sex": child["sex"],
                },
                "informant": {"national_id": informant["national_id"]},
                "contact": {"language": intake["contact"]["language"]},
            }
    raise KeyError(service_id)


def assert_exact_request(
    stack: Stack,
    body: dict[str, Any],
    *,
    journey_id: str,
    service_id: str,
    data: dict[str, Any],
    prerequisites: dict[str, str],
) -> None:
    """The whole body an agency received: no key more or less, no field more or less."""
    assert set(body) == AGENCY_REQUEST_KEYS, body
    assert (body["journey_id"], body["service_id"], body["life_event"], body["step_id"]) == (
        journey_id,
        service_id,
        "birth",
        service_id,
    )
    assert body["data"] == data
    assert body["prerequisites"] == prerequisites
    assert (body["information"], body["round"]) == ({}, 1)
    # The callback is the API's, and its signed id names this agency, this step, this round.
    prefix = f"{stack.api_url}/v1/agency-callbacks/"
    assert body["callback_url"].startswith(prefix), body["callback_url"]
    callback = body["callback_url"].removeprefix(prefix)
    assert "/" not in callback
    target = callback_target(get_settings().app_secret, callback)
    assert target is not None, body["callback_url"]
    assert (target.agency_id, target.journey_id, target.service_id, target.round) == (
        SERVICES[service_id],
        journey_id,
        service_id,
        1,
    )


def test_a_birth_reaches_every_agency_and_the_parent_hears_from_each(
    stack: Stack, smtp: SmtpServer
) -> None:
    email = "birth-e2e@example.org"
    intake = birth_intake(email=email, language="fr")
    journey_id = stack.submit(intake)

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

    # Each agency received the request once, with exactly the fields it declared (as the intake
    # the test sent gave them), the references of what it needs, and its own callback.
    received = stack.received(journey_id)
    assert sorted(r["body"]["service_id"] for r in received) == sorted(SERVICES)
    assert all(r["deliveries"] == 1 for r in received), received
    registration = steps["vital-statistics.birth-registration"]["reference"]
    assert registration.startswith("BR-")
    for r in received:
        service_id = r["body"]["service_id"]
        assert r["agency"] == SERVICES[service_id]
        assert_exact_request(
            stack,
            r["body"],
            journey_id=journey_id,
            service_id=service_id,
            data=expected_data(intake, service_id),
            prerequisites=(
                {"vital-statistics.birth-registration": registration}
                if service_id == "revenue.child-benefit"
                else {}
            ),
        )

    # One e-mail per service, then one summary, in French, saying which service and what
    # happens next, each with a link that opens the journey.
    deadline = time.monotonic() + 10
    while len(smtp.inbox.messages(email)) < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    messages = smtp.inbox.messages(email)
    assert len(messages) == 5
    bodies = [text_of(m) for m in messages]
    assert any("Allocation canadienne pour enfants" in b for b in bodies)
    assert all("Et ensuite" in b for b in bodies)
    assert len({m["Message-ID"] for m in messages}) == 5
    [summary] = [m for m in messages if m["Subject"] == "Votre dossier : résumé"]
    for service_id in SERVICES:
        assert steps[service_id]["reference"] in text_of(summary)
    for message in messages:
        link = re.search(
            rf"{re.escape(stack.api_url)}/journeys/{journey_id}\?token=(jt_[\w.-]+)",
            text_of(message),
        )
        assert link is not None, text_of(message)
        opened = httpx.get(
            f"{stack.api_url}/v1/journeys/{journey_id}",
            headers={"Authorization": f"Bearer {link.group(1)}"},
            timeout=30,
        )
        assert opened.status_code == 200, opened.text

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
