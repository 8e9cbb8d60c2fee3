"""OpenID Connect: verify a bearer token from the configured issuer through its JWKS
(discovered at ``{issuer}/.well-known/openid-configuration``), and say who it is."""

import hashlib
import hmac
import json
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt

from core.settings import Settings

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


@dataclass(frozen=True)
class Identity:
    subject_hash: str
    operator: bool
    # Who an operator is, in the audit trail: ``preferred_username`` if the issuer gives one,
    # else the subject.
    name: str = ""


@lru_cache(maxsize=4)
def _jwks_client(issuer: str) -> jwt.PyJWKClient:
    discovery = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    with urllib.request.urlopen(discovery, timeout=10) as response:  # noqa: S310 - configured URL
        jwks_uri: str = json.load(response)["jwks_uri"]
    return jwt.PyJWKClient(jwks_uri, cache_jwk_set=True, lifespan=300)


def subject_hash(settings: Settings, subject: str) -> str:
    """Subjects are kept keyed-hashed: the app database never holds the identity itself."""
    return hmac.new(
        settings.app_secret.encode(), f"sub:{subject}".encode(), hashlib.sha256
    ).hexdigest()


def has_role(claims: dict[str, Any], claim_name: str, role: str) -> bool:
    """Whether the claim holds the role exactly: a list (or tuple) with the role as a member, or
    a string equal to it. Never a substring, never a mapping's key, never anything else."""
    value = claims.get(claim_name)
    if isinstance(value, str):
        return value == role
    if isinstance(value, list | tuple):
        return any(isinstance(item, str) and item == role for item in value)
    return False


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and not token.startswith(("jt_", "agk_"))


def identify(settings: Settings, token: str) -> Identity | None:
    """The identity a valid token carries; None for an invalid, expired or foreign one."""
    if not settings.oidc_issuer or not looks_like_jwt(token):
        return None
    try:
        key = _jwks_client(settings.oidc_issuer).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=ALGORITHMS,
            audience=settings.oidc_audience,
            issuer=settings.oidc_issuer,
            options={"require": ["exp", "iss", "sub"]},
        )
    except (jwt.PyJWTError, OSError, KeyError, ValueError):
        return None
    return Identity(
        subject_hash=subject_hash(settings, str(claims["sub"])),
        operator=has_role(claims, settings.oidc_roles_claim, settings.oidc_operator_role),
        name=name_of(claims),
    )


def name_of(claims: dict[str, Any]) -> str:
    username = claims.get("preferred_username")
    name = username if isinstance(username, str) and username.strip() else str(claims["sub"])
    # Printable and bounded: it is written to the audit trail as is.
    return "".join(c for c in name.strip() if c.isprintable())[:128]
