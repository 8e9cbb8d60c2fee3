"""A failed identity check is no oracle: the person is told the same sentence whatever did not
match, operators see why (through their audited view), and failed checks are rate-limited per
national id and per client at the anonymous intake, on the real stack."""

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from core.identity_checks import GENERIC_REASON
from core.ids import journey_id_for_intake
from simulated_agencies.demo import AMELIE, ELEANOR, JORDAN, MARC, PRIYA, SAM
from tests.support.smtp import SmtpServer
from tests.support.stack import OPERATOR_NAME, Stack, birth_intake

PER_NATIONAL_ID = 3
PER_CLIENT = 4


@pytest.fixture(scope="module")
def limited_stack(
    temporal_env: WorkflowEnvironment, smtp: SmtpServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Low limits, behind one trusted proxy: each test speaks for its own client addresses
    (X-Forwarded-For), so the tests do not share a client's count."""
    stack = Stack(
        temporal_address=temporal_env.client.service_client.config.target_host,
        smtp_port=smtp.port,
        folder=tmp_path_factory.mktemp("identity-stack"),
        extra_env={
            "IDENTITY_FAILURES_PER_NATIONAL_ID": str(PER_NATIONAL_ID),
            "IDENTITY_FAILURES_PER_CLIENT": str(PER_CLIENT),
            "TRUSTED_PROXY_HOPS": "1",
        },
    ).start()
    yield stack
    stack.stop()


def _intake(
    stack: Stack, informant: dict[str, str], client: str, language: str = "en", **headers: str
) -> httpx.Response:
    body = birth_intake(email="someone@example.org", informant=informant, language=language)
    with stack.api() as api:
        response = api.post(
            "/v1/life-events/birth/intakes",
            json=body,
            headers={"X-Forwarded-For": f"192.0.2.200, {client}", **headers},
        )
    if response.status_code == 202:
        stack.tokens[response.json()["journey_id"]] = response.json()["access_token"]
    return response


def _fails(stack: Stack, informant: dict[str, str], client: str, language: str = "en") -> str:
    """An intake whose identity check fails, followed until the journey ends (so the failure
    is on record before the next intake)."""
    response = _intake(stack, informant, client, language)
    assert response.status_code == 202, response.text
    journey_id: str = response.json()["journey_id"]
    assert stack.wait_until_done(journey_id)["state"] == "failed"
    return journey_id


def _as_the_person_reads_it(status: dict[str, Any]) -> dict[str, Any]:
    """The status without what differs between any two journeys (ids and times)."""
    steps = [{k: v for k, v in step.items() if k != "updated_at"} for step in status["steps"]]
    kept = {k: v for k, v in status.items() if k not in {"journey_id", "started_at"}}
    return {**kept, "completed_at": None, "steps": steps}


def _operator_view(stack: Stack, journey_id: str) -> dict[str, Any]:
    with stack.operator() as operator:
        response = operator.get(
            f"/v1/journeys/{journey_id}", headers={"X-Access-Reason": "ticket 4711"}
        )
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view


def test_the_person_is_told_the_same_whatever_did_not_match(limited_stack: Stack) -> None:
    stack, client = limited_stack, "198.51.100.1"
    cases = {
        "No person with this national id is on record.": {
            **JORDAN.identity(),
            "national_id": "999999999",
        },
        "The given name does not match the record for this national id.": {
            **PRIYA.identity(),
            "given_name": "Pria",
        },
        "The birth date does not match the record for this national id.": {
            **MARC.identity(),
            "birth_date": "1958-01-21",
        },
    }
    journeys = {detail: _fails(stack, informant, client) for detail, informant in cases.items()}

    seen = [_as_the_person_reads_it(stack.status(j)) for j in journeys.values()]
    assert seen[0] == seen[1] == seen[2]
    identity = seen[0]["steps"][0]
    assert (identity["state"], identity["reasons"]) == ("failed", [GENERIC_REASON["en"]])
    for word in ("name", "birth", "date", "national id", "on record", "match"):
        assert word not in identity["reasons"][0].lower()
    assert "identity_detail" not in seen[0]
    for journey_id in journeys.values():
        with stack.citizen(journey_id) as citizen:
            log = citizen.get(f"/v1/journeys/{journey_id}/access-log").json()
        assert "match" not in str(log) and "record" not in str(log)

    # Operators see why, in the view whose every access is audited with its reason.
    for detail, journey_id in journeys.items():
        view = _operator_view(stack, journey_id)
        assert view["identity_detail"] == detail
        assert view["steps"][0]["reasons"] == [GENERIC_REASON["en"]]
        with stack.citizen(journey_id) as citizen:
            log = citizen.get(f"/v1/journeys/{journey_id}/access-log").json()
        assert any(
            e["who"] == f"operator:{OPERATOR_NAME}"
            and e["what"] == "journey_accessed"
            and e["detail"] == {"reason": "ticket 4711"}
            for e in log
        )
    with stack.operator() as operator:
        unstated = operator.get(f"/v1/journeys/{next(iter(journeys.values()))}")
    assert unstated.status_code == 403

    # In French, the same sentence in French.
    french = _fails(stack, {**ELEANOR.identity(), "family_name": "Browne"}, client, "fr")
    assert stack.status(french)["steps"][0]["reasons"] == [GENERIC_REASON["fr"]]


def test_failed_checks_are_limited_per_national_id_and_per_client(limited_stack: Stack) -> None:
    stack, client = limited_stack, "198.51.100.2"
    wrong_date = {**JORDAN.identity(), "birth_date": "1988-11-03"}
    for _ in range(PER_NATIONAL_ID):
        _fails(stack, wrong_date, client)

    # Jordan's national id is over its limit: refused, even with the right details, from any
    # client, and nothing is started.
    key = f"limited-{uuid.uuid4()}"
    for asking in (client, "198.51.100.3"):
        refused = _intake(stack, JORDAN.identity(), asking, **{"Idempotency-Key": key})
        assert refused.status_code == 429, refused.text
        assert 3500 < int(refused.headers["Retry-After"]) <= 3600
        assert "try again in" in refused.json()["detail"]
        assert "journey_id" not in refused.json()
    assert _operator_status_code(stack, journey_id_for_intake("birth", key)) == 404

    # Another person, from the same client, is accepted: the client has failed fewer times than
    # its own limit, and accepted intakes never count.
    assert _intake(stack, AMELIE.identity(), client).status_code == 202
    for _ in range(PER_CLIENT - PER_NATIONAL_ID):
        _fails(stack, {**JORDAN.identity(), "national_id": "999999998"}, client)

    # Now the client is over its limit, for anyone it speaks for; other clients are not.
    refused = _intake(stack, SAM.identity(), client)
    assert refused.status_code == 429, refused.text
    assert 3500 < int(refused.headers["Retry-After"]) <= 3600
    assert _intake(stack, SAM.identity(), "198.51.100.4").status_code == 202


def _operator_status_code(stack: Stack, journey_id: str) -> int:
    with stack.operator() as operator:
        response = operator.get(
            f"/v1/journeys/{journey_id}", headers={"X-Access-Reason": "ticket 4712"}
        )
    return response.status_code
