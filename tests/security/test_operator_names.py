"""Operators are named: OPERATOR_TOKENS holds name:token pairs (malformed ones are refused in
every environment, and each token is checked like every secret), OpenID Connect operators are
named by their preferred_username or subject. Journey tokens carry their expiry
(JOURNEY_TOKEN_TTL_DAYS) and their issue time, which a revocation compares with."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlmodel import Session, SQLModel, create_engine

from api.deps import is_operator
from core import journey_tokens
from core.ids import journey_token_claims
from core.journey_tokens import TokenCheck
from core.oidc import identify
from core.settings import InsecureSettings, Settings
from tests.support.oidc import Issuer

ALICE = "alice-token-" + "a" * 32
BOB = "bob-token-" + "b" * 32


def settings(**values: Any) -> Settings:
    defaults: dict[str, Any] = {"environment": "development", "operator_token": None}
    return Settings(_env_file=None, **{**defaults, **values})


@pytest.mark.parametrize(
    "value",
    [
        "alice",  # no token
        "alice:",  # empty token
        ":" + ALICE,  # no name
        "Alice:" + ALICE,  # upper case
        "a:" + ALICE,  # too short
        "alice bob:" + ALICE,  # a space
        "operator:" + ALICE + ",operator:" + BOB,  # one name twice
        "alice:" + ALICE + ",bob:" + ALICE,  # one token for two names
        "x" * 70 + ":" + ALICE,  # too long
    ],
)
@pytest.mark.parametrize("environment", ["development", "production"])
def test_a_malformed_operator_tokens_is_refused(value: str, environment: str) -> None:
    with pytest.raises(InsecureSettings, match="OPERATOR_TOKENS"):
        settings(environment=environment, operator_tokens=value).check_secrets()


def test_the_replaced_operator_token_is_refused_rather_than_ignored() -> None:
    with pytest.raises(InsecureSettings, match="OPERATOR_TOKEN is replaced by OPERATOR_TOKENS"):
        settings(operator_token="dev-operator-token").check_secrets()


def test_each_token_is_checked_outside_development() -> None:
    problems = settings(
        environment="production", operator_tokens=f"alice:{ALICE},bob:short"
    ).insecure_settings()
    assert [p for p in problems if "OPERATOR_TOKENS" in p] == [
        "OPERATOR_TOKENS: the token of 'bob' is shorter than 32 characters"
    ]


def test_each_operator_token_names_its_operator() -> None:
    configured = settings(operator_tokens=f"alice:{ALICE}, bob.ops-2:{BOB}")
    configured.check_secrets()
    assert is_operator(ALICE, configured) == "operator:alice"
    assert is_operator(BOB, configured) == "operator:bob.ops-2"
    assert is_operator(ALICE[:-1], configured) is None
    assert is_operator("dev-operator-token", configured) is None
    assert is_operator(None, configured) is None


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    issuer = Issuer().start()
    yield issuer
    issuer.stop()


def _jwt(issuer: Issuer, **claims: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer.url,
        "sub": "0f3a-subject",
        "aud": "lifeevents",
        "iat": now,
        "exp": now + 300,
        "roles": ["operator"],
        **claims,
    }
    return jwt.encode(claims, issuer.key, algorithm="RS256", headers={"kid": "test-key"})


def test_an_oidc_operator_is_named_by_username_else_subject(issuer: Issuer) -> None:
    configured = settings(oidc_issuer=issuer.url, oidc_audience="lifeevents")
    named = _jwt(issuer, preferred_username="dana")
    assert is_operator(named, configured) == "operator:dana"
    assert is_operator(_jwt(issuer), configured) == "operator:0f3a-subject"
    assert is_operator(_jwt(issuer, roles=["citizen"]), configured) is None
    identity = identify(configured, named)
    assert identity is not None and identity.name == "dana"


def test_a_token_expires_after_the_configured_days() -> None:
    configured = settings(journey_token_ttl_days=7)
    now = 1_800_000_000.0
    claims = journey_token_claims(configured.app_secret, journey_tokens.issue(configured, "j", now))
    assert claims is not None
    assert (claims.issued_at_ms, claims.expires_at) == (int(now * 1000), int(now) + 7 * 86_400)


def test_a_revocation_ends_the_tokens_issued_before_it_only() -> None:
    configured = settings()
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    now = time.time()
    earlier = journey_tokens.issue(configured, "j", now - 60)
    with Session(engine) as session:
        assert journey_tokens.check(session, configured, earlier, "j") is TokenCheck.VALID
        assert journey_tokens.check(session, configured, earlier, "k") is TokenCheck.OTHER
        journey_tokens.revoke(session, "j", datetime.fromtimestamp(now - 30, UTC))
        journey_tokens.revoke(session, "j", datetime.fromtimestamp(now - 50, UTC))  # not back
        later = journey_tokens.issue(configured, "j", now)
        assert journey_tokens.check(session, configured, earlier, "j") is TokenCheck.REVOKED
        assert journey_tokens.check(session, configured, later, "j") is TokenCheck.VALID
        assert (
            journey_tokens.check(
                session, configured, later, "j", now + timedelta(days=91).total_seconds()
            )
            is TokenCheck.EXPIRED
        )
