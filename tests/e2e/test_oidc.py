"""OpenID Connect, instead of journey tokens: a signed-in citizen owns the journeys they start;
an operator is whoever carries the operator role claim. Tokens are verified through the
issuer's JWKS, fetched over HTTP from a stand-in issuer."""

from collections.abc import Iterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from temporalio.testing import WorkflowEnvironment

from tests.conftest import POSTGRES_NAMESPACE
from tests.support.oidc import Issuer
from tests.support.smtp import SmtpServer
from tests.support.stack import Stack, birth_intake


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    issuer = Issuer().start()
    yield issuer
    issuer.stop()


@pytest.fixture(scope="module")
def oidc_stack(
    temporal_env: WorkflowEnvironment,
    smtp: SmtpServer,
    issuer: Issuer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    stack = Stack(
        temporal_address=temporal_env.client.service_client.config.target_host,
        smtp_port=smtp.port,
        folder=tmp_path_factory.mktemp("oidc-stack"),
        namespace=POSTGRES_NAMESPACE,
        extra_env={"OIDC_ISSUER": issuer.url, "OIDC_AUDIENCE": "lifeevents"},
    ).start()
    yield stack
    stack.stop()


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def test_a_signed_in_citizen_owns_their_journey(oidc_stack: Stack, issuer: Issuer) -> None:
    alice = issuer.token("alice")
    api = oidc_stack.api_url
    response = httpx.post(
        f"{api}/v1/life-events/birth/intakes",
        headers=bearer(alice),
        json=birth_intake(email="alice@example.org"),
        timeout=30,
    )
    assert response.status_code == 202, response.text
    journey = f"{api}/v1/journeys/{response.json()['journey_id']}"

    assert httpx.get(journey, headers=bearer(alice)).status_code == 200
    assert httpx.get(journey, headers=bearer(issuer.token("bob"))).status_code == 404
    assert (
        httpx.get(journey, headers=bearer(issuer.token("alice", expires_in=-60))).status_code == 401
    )
    assert (
        httpx.get(journey, headers=bearer(issuer.token("alice", audience="other"))).status_code
        == 401
    )
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert httpx.get(journey, headers=bearer(issuer.token("alice", key=forger))).status_code == 401


def test_the_operator_role_claim_makes_an_operator(oidc_stack: Stack, issuer: Issuer) -> None:
    operator = issuer.token("ops-1", roles=["operator"])
    citizen = issuer.token("carol")
    api = oidc_stack.api_url
    assert httpx.get(f"{api}/v1/journeys", headers=bearer(operator)).status_code == 200
    assert httpx.get(f"{api}/v1/journeys", headers=bearer(citizen)).status_code == 401
    journey_id = oidc_stack.submit(birth_intake(email="carol@example.org"))
    url = f"{api}/v1/journeys/{journey_id}"
    assert httpx.get(url, headers=bearer(operator)).status_code == 403  # a reason is needed
    assert (
        httpx.get(url, headers=bearer(operator, **{"X-Access-Reason": "ticket 12"})).status_code
        == 200
    )
