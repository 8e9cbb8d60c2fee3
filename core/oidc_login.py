"""OpenID Connect sign-in, the protocol: this service as a client of OIDC_ISSUER, authorization
code flow with PKCE (S256), state and nonce (OpenID Connect Core 1.0 §3.1, RFC 7636).

No web framework here: ``start`` says where to send the browser and what to keep meanwhile;
``finish`` exchanges the code the browser brought back and verifies the ID token (signature
through the issuer's JWKS, ``iss``, ``aud``, ``exp``, ``nonce``). web/sign_in.py carries them
over HTTP and keeps the pending sign-in in a signed cookie.
"""

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode

import httpx
import jwt

from core.oidc import ALGORITHMS, Identity, has_role, name_of, subject_hash
from core.settings import Settings

# The redirect URI, under PUBLIC_BASE_URL; registered at the issuer as is.
CALLBACK_PATH = "/sign-in/callback"
# How long the issuer's discovery document and keys are kept before asking again.
DISCOVERY_TTL_SECONDS = 3600
JWKS_TTL_SECONDS = 300
HTTP_TIMEOUT_SECONDS = 10
# An answer from the issuer larger than this is refused unread (discovery, JWKS, token).
MAX_ANSWER_BYTES = 256 * 1024
# Clock skew allowed on the ID token's exp and iat.
LEEWAY_SECONDS = 60


class SignInFailed(Exception):
    """The sign-in did not complete; the message says why, for the log (never the person)."""


@dataclass(frozen=True)
class Pending:
    """What a started sign-in keeps until the browser comes back: all of it secret to the
    browser that started it."""

    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class Provider:
    """The parts of the issuer's discovery document the sign-in uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


def redirect_uri(settings: Settings) -> str:
    return settings.public_base_url.rstrip("/") + CALLBACK_PATH


def code_challenge(code_verifier: str) -> str:
    """S256: the verifier's SHA-256, base64url without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_pending() -> Pending:
    # 32 random bytes each: a 43-character verifier, the shortest RFC 7636 allows, and
    # unguessable state and nonce.
    return Pending(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(32),
    )


def authorization_url(settings: Settings, provider: Provider, pending: Pending) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": redirect_uri(settings),
            "scope": "openid profile",
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": code_challenge(pending.code_verifier),
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in provider.authorization_endpoint else "?"
    return f"{provider.authorization_endpoint}{separator}{query}"


async def start(settings: Settings) -> tuple[str, Pending]:
    """Where to send the browser, and what to keep until it comes back."""
    provider = await discover(settings)
    pending = new_pending()
    return authorization_url(settings, provider, pending), pending


async def finish(settings: Settings, pending: Pending, code: str) -> Identity:
    """Exchange the code (with the PKCE verifier) for tokens and verify the ID token: who
    signed in. Raises SignInFailed for anything less than a valid ID token for this client."""
    provider = await discover(settings)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(settings),
        "code_verifier": pending.code_verifier,
        "client_id": settings.oidc_client_id or "",
    }
    auth = (
        # client_secret_basic: each part form-encoded first (RFC 6749 §2.3.1).
        httpx.BasicAuth(
            quote_plus(settings.oidc_client_id or ""), quote_plus(settings.oidc_client_secret)
        )
        if settings.oidc_client_secret
        else None
    )
    answer = await _fetch_json(provider.token_endpoint, data=data, auth=auth)
    id_token = answer.get("id_token")
    if not isinstance(id_token, str):
        raise SignInFailed("the token endpoint answered no id_token")
    claims = await verify_id_token(settings, provider, id_token, pending.nonce)
    subject = str(claims["sub"])
    return Identity(
        subject_hash=subject_hash(settings, subject),
        operator=has_role(claims, settings.oidc_roles_claim, settings.oidc_operator_role),
        name=name_of(claims),
    )


async def verify_id_token(
    settings: Settings, provider: Provider, id_token: str, nonce: str
) -> dict[str, Any]:
    """The ID token's claims once its signature (the issuer's key), issuer, audience (this
    client), expiry and nonce (this sign-in's) all check; SignInFailed otherwise."""
    try:
        key_id = jwt.get_unverified_header(id_token).get("kid")
        key = await _signing_key(provider.jwks_uri, key_id)
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key,
            algorithms=ALGORITHMS,
            audience=settings.oidc_client_id,
            issuer=settings.oidc_issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
        )
    except jwt.PyJWTError as error:
        raise SignInFailed(f"the ID token does not verify: {error}") from error
    if not secrets.compare_digest(str(claims["nonce"]).encode(), nonce.encode()):
        raise SignInFailed("the ID token's nonce is not this sign-in's")
    # With several audiences, the token must have been issued to us (OIDC Core §3.1.3.7).
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != settings.oidc_client_id:
        raise SignInFailed("the ID token has several audiences and another authorized party")
    return claims


# --- the issuer's documents, fetched over HTTP and kept a while ------------------------------

_discovered: dict[str, tuple[float, Provider]] = {}
_key_sets: dict[str, tuple[float, jwt.PyJWKSet]] = {}


async def discover(settings: Settings) -> Provider:
    issuer = (settings.oidc_issuer or "").rstrip("/")
    if not issuer or not settings.oidc_client_id:
        raise SignInFailed("sign-in is not configured (OIDC_ISSUER, OIDC_CLIENT_ID)")
    cached = _discovered.get(issuer)
    if cached is not None and time.monotonic() - cached[0] < DISCOVERY_TTL_SECONDS:
        return cached[1]
    document = await _fetch_json(f"{issuer}/.well-known/openid-configuration")
    try:
        provider = Provider(
            issuer=str(document["issuer"]),
            authorization_endpoint=str(document["authorization_endpoint"]),
            token_endpoint=str(document["token_endpoint"]),
            jwks_uri=str(document["jwks_uri"]),
        )
    except KeyError as error:
        raise SignInFailed(f"the discovery document has no {error}") from error
    # The document must be the configured issuer's own (OpenID Connect Discovery §4.3).
    if provider.issuer.rstrip("/") != issuer:
        raise SignInFailed("the discovery document names another issuer")
    _discovered[issuer] = (time.monotonic(), provider)
    return provider


async def _signing_key(jwks_uri: str, key_id: object) -> Any:
    """The issuer's key of this id; the key set is fetched again once when the id is unknown
    (the issuer rotated its keys)."""
    for refresh in (False, True):
        key_set = await _key_set(jwks_uri, refresh)
        for key in key_set.keys:
            if key_id is None or key.key_id == key_id:
                return key.key
    raise SignInFailed(f"the issuer has no key {key_id!r}")


async def _key_set(jwks_uri: str, refresh: bool) -> jwt.PyJWKSet:
    cached = _key_sets.get(jwks_uri)
    if not refresh and cached is not None and time.monotonic() - cached[0] < JWKS_TTL_SECONDS:
        return cached[1]
    try:
        key_set = jwt.PyJWKSet.from_dict(await _fetch_json(jwks_uri))
    except jwt.PyJWTError as error:
        raise SignInFailed(f"the issuer's JWKS is unusable: {error}") from error
    _key_sets[jwks_uri] = (time.monotonic(), key_set)
    return key_set


async def _fetch_json(
    url: str, data: dict[str, str] | None = None, auth: httpx.Auth | None = None
) -> dict[str, Any]:
    """GET (or, with ``data``, POST a form to) the issuer; its JSON object answer, bounded."""
    body = b""
    try:
        async with (
            httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as client,
            client.stream(
                "POST" if data is not None else "GET",
                url,
                data=data,
                auth=auth,
                headers={"Accept": "application/json"},
            ) as response,
        ):
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    raise SignInFailed(f"{url} answered more than {MAX_ANSWER_BYTES} bytes")
    except httpx.HTTPError as error:
        raise SignInFailed(f"{url} could not be reached: {error}") from error
    if response.status_code != 200:
        raise SignInFailed(f"{url} answered {response.status_code}: {body[:300]!r}")
    try:
        answer = json.loads(body)
    except ValueError as error:
        raise SignInFailed(f"{url} answered no JSON") from error
    if not isinstance(answer, dict):
        raise SignInFailed(f"{url} answered no JSON object")
    return answer
