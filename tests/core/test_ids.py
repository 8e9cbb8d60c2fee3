"""Every id and idempotency key, spelled once: signed ids that cannot be forged or used for
another purpose, and keys that a retry or a replay derives the same."""

from collections.abc import Callable

import pytest

from core import ids

SECRET = "test-secret"
STEP = "0b6c1e0a-7f3e-4c1a-9d7b-2f1e4a5b6c7d/revenue.child-benefit"


def test_a_signed_value_round_trips() -> None:
    signed = ids.sign(SECRET, "purpose", "a value/with#anything")
    assert ids.unsign(SECRET, "purpose", signed) == "a value/with#anything"
    assert ids.sign(SECRET, "purpose", "a value/with#anything") == signed  # deterministic


@pytest.mark.parametrize(
    "forge",
    [
        lambda s: ids.sign(SECRET, "purpose", "other").split(".")[0] + "." + s.split(".")[1],
        lambda s: s.split(".")[0] + "." + ids.sign(SECRET, "purpose", "other").split(".")[1],
        lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),
        lambda s: s.split(".")[0],
        lambda s: s.split(".")[0] + ".",
        lambda s: "%%%." + s.split(".")[1],
        lambda s: "_w." + s.split(".")[1],
        lambda s: "",
    ],
    ids=[
        "other value",
        "other mac",
        "mac changed",
        "no mac",
        "empty mac",
        "not base64",
        "not utf-8",
        "empty",
    ],
)
def test_a_tampered_signed_value_is_refused(forge: Callable[[str], str]) -> None:
    signed = ids.sign(SECRET, "purpose", "value")
    assert ids.unsign(SECRET, "purpose", forge(signed)) is None


def test_a_signed_value_needs_the_same_secret_and_purpose() -> None:
    signed = ids.sign(SECRET, "purpose", "value")
    assert ids.unsign("another-secret", "purpose", signed) is None
    assert ids.unsign(SECRET, "another-purpose", signed) is None


def _token(journey_id: str, secret: str = SECRET) -> str:
    return ids.journey_token(secret, journey_id, issued_at_ms=1_000, expires_at=2_000)


def _journey(token: str, secret: str = SECRET) -> str | None:
    claims = ids.journey_token_claims(secret, token)
    return None if claims is None else claims.journey_id


def test_a_journey_token_opens_its_journey_only() -> None:
    token = _token("journey-1")
    assert token.startswith(ids.JOURNEY_TOKEN_PREFIX)
    assert ids.journey_token_claims(SECRET, token) == ids.JourneyTokenClaims(
        "journey-1", 1_000, 2_000
    )
    assert _journey(token.removeprefix(ids.JOURNEY_TOKEN_PREFIX)) is None
    assert _journey(token, "another-secret") is None


def test_a_journey_token_carries_its_expiry() -> None:
    claims = ids.journey_token_claims(SECRET, _token("journey-1"))
    assert claims is not None and not claims.expired(1_999) and claims.expired(2_000)
    # A token of the first scheme (the journey alone) is genuine but expired.
    first = ids.JOURNEY_TOKEN_PREFIX + ids.sign(SECRET, "journey", "journey-1")
    assert ids.journey_token_claims(SECRET, first) == ids.JourneyTokenClaims("journey-1", 0, 0)
    for value in ["journey-1#1#", "journey-1#x#2", "#1#2", "journey-1#1#2#3"]:
        forged = ids.JOURNEY_TOKEN_PREFIX + ids.sign(SECRET, "journey", value)
        assert ids.journey_token_claims(SECRET, forged) is None, value


def test_a_journey_token_and_a_callback_id_cannot_stand_for_each_other() -> None:
    callback = ids.callback_id(SECRET, "revenue", STEP, 1)
    assert _journey(ids.JOURNEY_TOKEN_PREFIX + callback) is None
    # A journey token over a callback's very value is still not a callback id.
    value = ids.unsign(SECRET, "callback", callback)
    assert value is not None
    forged = _token(value).removeprefix(ids.JOURNEY_TOKEN_PREFIX)
    assert ids.callback_target(SECRET, forged) is None


def test_a_callback_id_names_agency_step_round_journey_and_service() -> None:
    target = ids.callback_target(SECRET, ids.callback_id(SECRET, "revenue", STEP, 2))
    assert target == ids.CallbackTarget("revenue", STEP, 2)
    assert target.journey_id == "0b6c1e0a-7f3e-4c1a-9d7b-2f1e4a5b6c7d"
    assert target.service_id == "revenue.child-benefit"
    assert (
        ids.callback_target("another-secret", ids.callback_id(SECRET, "revenue", STEP, 2)) is None
    )


@pytest.mark.parametrize("value", ["revenue#step#x", "#step#1", "revenue#1", "revenue##1"])
def test_a_genuine_signature_over_a_malformed_callback_value_names_nothing(value: str) -> None:
    assert ids.callback_target(SECRET, ids.sign(SECRET, "callback", value)) is None


def test_step_workflow_ids_name_their_journey_and_service() -> None:
    step = ids.step_workflow_id("j-1", "health.child-health-card")
    assert step == "j-1/health.child-health-card"
    assert (ids.journey_id_of(step), ids.service_id_of(step)) == ("j-1", "health.child-health-card")
    assert (ids.journey_id_of("j-1"), ids.service_id_of("j-1")) == ("j-1", "")


def test_request_ids() -> None:
    assert ids.consent_request_id("health.card") == "consent/health.card"
    assert ids.information_request_id("revenue.child-benefit", 2) == (
        "revenue.child-benefit/information/2"
    )


def test_idempotency_keys_are_spelled_exactly() -> None:
    assert ids.submission_key("j/s", 1) == "j/s/submit"
    assert ids.submission_key("j/s", 2) == "j/s/submit/2"
    assert ids.outcome_message_key("j/s") == "j/s/notify"
    assert ids.information_message_key("j/s", 1) == "j/s/information/1"
    assert ids.reminder_message_key("j/s", 2, 3) == "j/s/information/2/reminder/3"
    assert ids.consent_message_key("j", "health.card") == "j/consent/health.card"
    assert ids.offer_message_key("j") == "j/offer"
    assert ids.payment_key("j/s") == "j/s/pay"
    assert ids.withdrawal_key("j/s") == "j/s/withdraw"


def test_an_intake_journey_id_is_stable_per_life_event_and_key() -> None:
    birth = ids.journey_id_for_intake("birth", "key-1")
    assert ids.journey_id_for_intake("birth", "key-1") == birth
    assert ids.is_journey_id(birth)
    assert ids.journey_id_for_intake("death", "key-1") != birth
    assert ids.journey_id_for_intake("birth", "key-2") != birth


def test_a_registry_event_journey_id_is_stable_per_source_and_event() -> None:
    journey = ids.journey_id_for_event("urn:registry:vital-statistics", "death-1")
    assert ids.journey_id_for_event("urn:registry:vital-statistics", "death-1") == journey
    assert ids.journey_id_for_event("urn:registry:other", "death-1") != journey
    assert journey != ids.journey_id_for_intake("urn:registry:vital-statistics", "death-1")


def test_new_ids_say_what_they_are() -> None:
    assert ids.is_journey_id(ids.new_journey_id())
    assert ids.new_journey_id() != ids.new_journey_id()
    dry_run = ids.dry_run_id()
    assert dry_run.startswith("dry-run-") and not ids.is_journey_id(dry_run)
