"""The operator role is an exact member of the roles claim (or the claim itself, exactly):
never a substring of a string, never a key of an object. An issuer needs an audience."""

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from core.oidc import has_role, identify
from core.settings import InsecureSettings, Settings
from tests.support.oidc import Issuer


@pytest.mark.parametrize(
    ("claim", "operator"),
    [
        (["operator"], True),
        (["citizen", "operator"], True),
        ("operator", True),
        ("cooperator", False),
        ("operators", False),
        ("op", False),
        (["cooperator"], False),
        (["Operator"], False),
        ({"operator": False}, False),
        ({"operator": True}, False),
        ([["operator"]], False),
        ([{"operator": True}], False),
        (None, False),
        (1, False),
        ([], False),
        ("", False),
    ],
)
def test_has_role_is_exact(claim: Any, operator: bool) -> None:
    assert has_role({"roles": claim}, "roles", "operator") is operator


def test_has_role_without_the_claim() -> None:
    assert has_role({"sub": "x"}, "roles", "operator") is False
    assert has_role({"groups": ["operator"]}, "roles", "operator") is False
    assert has_role({"groups": ["operator"]}, "groups", "operator") is True


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    issuer = Issuer().start()
    yield issuer
    issuer.stop()


def _token(issuer: Issuer, roles: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer.url,
        "sub": "someone",
        "aud": "lifeevents",
        "iat": now,
        "exp": now + 300,
        "roles": roles,
    }
    return jwt.encode(claims, issuer.key, algorithm="RS256", headers={"kid": "test-key"})


@pytest.mark.parametrize(
    ("roles", "operator"),
    [(["operator"], True), ("cooperator", False), ({"operator": False}, False)],
)
def test_identify_decides_the_role_exactly(issuer: Issuer, roles: Any, operator: bool) -> None:
    settings = Settings(
        _env_file=None,
        environment="development",
        oidc_issuer=issuer.url,
        oidc_audience="lifeevents",
    )
    identity = identify(settings, _token(issuer, roles))
    assert identity is not None and identity.operator is operator


@pytest.mark.parametrize("environment", ["development", "production"])
def test_an_issuer_without_an_audience_is_refused(environment: str) -> None:
    settings = Settings(
        _env_file=None,
        environment=environment,
        oidc_issuer="https://id.example",
        oidc_audience=None,
    )
    with pytest.raises(InsecureSettings, match="OIDC_AUDIENCE"):
        settings.check_secrets()
    fine = Settings(
        _env_file=None,
        environment="development",
        oidc_issuer="https://id.example",
        oidc_audience="lifeevents",
    )
    fine.check_secrets()
