"""Every endpoint declares who may call it, and refuses everyone else: called with no
credentials, each one that is not public answers 401 (and touches nothing)."""

import re
import uuid

import httpx
import pytest

from tests.support.stack import Stack, birth_intake

# Open to anyone: the catalog, the intake (it answers the person's token), a fresh link (sent
# to the journey's own contact address only, with the same answer for any journey), health, the
# docs, agency callbacks (authenticated by their Standard Webhooks signature instead), and the
# public performance figures (aggregates only).
PUBLIC = {
    ("GET", "/v1/life-events"),
    ("GET", "/v1/life-events/{life_event}"),
    ("POST", "/v1/life-events/{life_event}/intakes"),
    ("POST", "/v1/journeys/{journey_id}/link"),
    ("POST", "/v1/agency-callbacks/{callback_id}"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/v1/performance"),
}
VALUES = {
    "journey_id": str(uuid.uuid4()),
    "agency_id": "health",
    "service_id": "health.child-health-card",
    "key_id": "1",
    "delivery_id": "1",
    "secret_id": "1",
    "life_event": "birth",
    "callback_id": "x",
}


def test_every_non_public_operation_refuses_anonymous_callers(stack: Stack) -> None:
    spec = httpx.get(f"{stack.api_url}/openapi.json").json()
    checked = []
    for path, operations in spec["paths"].items():
        for method in operations:
            if (method.upper(), path) in PUBLIC:
                continue
            url = re.sub(r"\{(\w+)\}", lambda m: VALUES[m.group(1)], path)
            response = httpx.request(method.upper(), f"{stack.api_url}{url}", json={}, timeout=30)
            assert response.status_code == 401, (method, path, response.status_code)
            checked.append((method, path))
    assert len(checked) >= 25


@pytest.mark.parametrize(
    "path",
    [
        "/v1/journeys/{id}/consents",
        "/v1/journeys/{id}/information",
        "/v1/journeys/{id}/confirmation",
        "/v1/journeys/{id}/cancel",
    ],
)
def test_a_persons_token_opens_nothing_of_another_journey(stack: Stack, path: str) -> None:
    mine = stack.submit(birth_intake(email="rules-mine@example.org"))
    theirs = stack.submit(birth_intake(email="rules-theirs@example.org"))
    with stack.citizen(mine) as me:
        response = me.post(path.replace("{id}", theirs), json={})
    assert response.status_code == 404
