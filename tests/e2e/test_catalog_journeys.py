"""Every life event of the catalog runs end to end on the real stack, with every service chosen,
answering the consents and the agencies' requests for information through the API as a person
would.

What each step ends as is written out here, per life event, from the demo intakes
(simulated_agencies/demo.py) and the simulated agencies' rules (simulated_agencies/services.yaml):
it is not read back from the code under test.
"""

import time
from typing import Any

import pytest

from core.catalog import get_catalog
from simulated_agencies.demo import intake_for
from tests.support.stack import FINAL_STATES, Stack

BANK_ACCOUNT = "00123-004-5550001"
APPROVED = ("completed", "approved")
REFUSED = ("skipped", "consent_refused")

# life event -> {step id: (state, outcome)}, in the order of the life event's bundle. Every demo
# person meets every rule; the one optional service per life event that the person refuses
# consent to (REFUSE below) is skipped and never reaches its agency.
EXPECTED_STEPS: dict[str, dict[str, tuple[str, str]]] = {
    "birth": {
        "vital-statistics.birth-registration": APPROVED,
        "revenue.child-benefit": APPROVED,
        "social-insurance.child-number": APPROVED,
        "health.child-health-card": APPROVED,
    },
    "change-of-address": {
        "tax.address": APPROVED,
        "health.address": APPROVED,
        "driving.address": APPROVED,
        "municipal.electoral-roll-address": APPROVED,
        "post.mail-forwarding": REFUSED,
    },
    "death": {
        "pension.stop-payments": APPROVED,
        "pension.survivor-benefit": APPROVED,
        "tax.final-return": APPROVED,
        "passport.cancel": APPROVED,
        "driving.cancel-licence": APPROVED,
        "health.end-coverage": APPROVED,
        "municipal.electoral-roll": REFUSED,
    },
    "disaster-recovery": {
        "emergency-management.emergency-assistance": APPROVED,
        "housing.temporary-housing": APPROVED,
        "passport.replacement": APPROVED,
        "vital-statistics.certificate-replacement": APPROVED,
        "tax.disaster-relief": REFUSED,
    },
    "job-loss": {
        "employment-insurance.claim": APPROVED,
        "job-bank.profile": REFUSED,
        "health.coverage-continuation": APPROVED,
    },
    "leaving-military-service": {
        "veterans.transition-benefits": APPROVED,
        "health.coverage-transfer": APPROVED,
        "pension.military-pension": APPROVED,
        "employment-services.veteran-placement": APPROVED,
    },
    "marriage": {
        "vital-statistics.marriage-registration": APPROVED,
        "tax.marital-status": APPROVED,
        "passport.name-change": APPROVED,
        "driving.name-change": REFUSED,
    },
    "retirement": {
        "pension.retirement-pension": APPROVED,
        "old-age-security.pension": APPROVED,
        "health.drug-plan": APPROVED,
        "tax.update-status": APPROVED,
    },
}
# The services whose agency asks the person for a bank account first (`ask` in services.yaml).
ASKS_FOR_BANK_ACCOUNT: dict[str, set[str]] = {
    "birth": set(),
    "change-of-address": set(),
    "death": {"pension.survivor-benefit"},
    "disaster-recovery": set(),
    "job-loss": {"employment-insurance.claim"},
    "leaving-military-service": {"pension.military-pension"},
    "marriage": set(),
    "retirement": {"pension.retirement-pension"},
}
# The consents given with the intake: the first service of each bundle. Every other service asks.
CONSENTED_AT_INTAKE = {event: next(iter(steps)) for event, steps in EXPECTED_STEPS.items()}
REFUSE = {
    event: {sid for sid, expected in steps.items() if expected == REFUSED}
    for event, steps in EXPECTED_STEPS.items()
}


def test_the_table_covers_the_whole_catalog() -> None:
    catalog = get_catalog()
    assert set(EXPECTED_STEPS) == set(catalog)
    for life_event, definition in catalog.items():
        assert list(EXPECTED_STEPS[life_event]) == [s.id for s in definition.services]


def run_to_the_end(
    stack: Stack, journey_id: str, refuse: set[str], timeout: float = 90
) -> dict[str, Any]:
    """Answer every open request as it appears: consent (refused for ``refuse``), and the bank
    account an agency asks for, until the journey ends."""
    answered: set[str] = set()
    deadline = time.monotonic() + timeout
    with stack.citizen(journey_id) as client:
        while time.monotonic() < deadline:
            status: dict[str, Any] = client.get(f"/v1/journeys/{journey_id}").json()
            if status["state"] in FINAL_STATES:
                return status
            for request in status["requests"]:
                if request["state"] != "open" or request["id"] in answered:
                    continue
                if request["kind"] == "consent":
                    response = client.post(
                        f"/v1/journeys/{journey_id}/consents",
                        json={
                            "service_id": request["step_id"],
                            "given": request["step_id"] not in refuse,
                        },
                    )
                elif request["kind"] == "information":
                    assert request["requested"] == ["bank_account"], request
                    response = client.post(
                        f"/v1/journeys/{journey_id}/information",
                        json={
                            "request_id": request["id"],
                            "answers": {"bank_account": BANK_ACCOUNT},
                        },
                    )
                else:
                    raise AssertionError(f"unexpected request: {request}")
                assert response.status_code == 200, response.text
                answered.add(request["id"])
            time.sleep(0.1)
    raise AssertionError(f"journey not done: {status}")


@pytest.mark.parametrize("life_event", sorted(EXPECTED_STEPS))
def test_every_life_event_runs_end_to_end(stack: Stack, life_event: str) -> None:
    expected = EXPECTED_STEPS[life_event]
    services = list(expected)
    asks = ASKS_FOR_BANK_ACCOUNT[life_event]
    body = {
        **intake_for(life_event, f"{life_event}@example.org"),
        "services": services,
        "consents": [CONSENTED_AT_INTAKE[life_event]],
    }
    journey_id = stack.submit(body, life_event=life_event)
    status = run_to_the_end(stack, journey_id, REFUSE[life_event])

    assert status["state"] == "completed", status
    assert status["steps"][0]["id"] == "verify-identity"
    assert status["steps"][0]["state"] == "completed"
    steps = {step["id"]: (step["state"], step["outcome"]) for step in status["steps"][1:]}
    assert list(steps) == services
    assert steps == expected, status["steps"]

    # Every service not consented to with the intake asked for consent, and only those; every
    # `ask` service asked for a bank account, once; all were answered.
    raised = sorted(
        (request["kind"], request["step_id"], request["state"], tuple(request["requested"]))
        for request in status["requests"]
    )
    assert raised == sorted(
        [
            ("consent", sid, "answered", ())
            for sid in services
            if sid != CONSENTED_AT_INTAKE[life_event]
        ]
        + [("information", sid, "answered", ("bank_account",)) for sid in asks]
    ), status["requests"]

    # The agencies of the approved services received the journey; an `ask` service twice (the
    # second time with the answer), every other once; a refused one never.
    received: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for r in stack.received(journey_id):
        received.setdefault(r["body"]["service_id"], []).append(
            (r["body"]["round"], r["body"]["information"])
        )
    assert received == {
        sid: [(1, {}), (2, {"bank_account": BANK_ACCOUNT})] if sid in asks else [(1, {})]
        for sid, outcome in expected.items()
        if outcome == APPROVED
    }
