"""A stand-in OpenID Connect issuer speaking the real protocol over HTTP: discovery document,
JWKS, and RS256 tokens signed with its key (we cannot run a real identity provider here); and,
for the pages' sign-in, the authorization code flow with PKCE: ``/authorize`` signs in
``signs_in`` at once and redirects back with a code, ``/token`` exchanges the code only for its
client, its redirect URI and the verifier of its S256 challenge, once, and answers an RS256 ID
token carrying the request's nonce (``id_token_claims`` overrides claims, to test refusals)."""

import base64
import hashlib
import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import quote_plus

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from jwt.algorithms import RSAAlgorithm

from tests.support.ports import free_port


class Issuer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._server: uvicorn.Server | None = None
        # Who /authorize signs in (a subject, and its roles); None: the person refuses.
        self.signs_in: str | None = "alice"
        self.roles: list[str] = []
        # Claims of the next ID tokens replaced (a wrong nonce, audience, issuer, expiry…).
        self.id_token_claims: dict[str, Any] = {}
        # Codes issued and not yet exchanged: what the authorization request said.
        self.codes: dict[str, dict[str, str]] = {}
        self.client_id = "lifeevents-web"
        # Set: the client is confidential and authenticates with client_secret_basic.
        self.client_secret: str | None = None

    def app(self) -> FastAPI:
        app = FastAPI()
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": self.url,
                "jwks_uri": f"{self.url}/jwks",
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        @app.get("/authorize")
        def authorize(request: Request) -> RedirectResponse:
            query = request.query_params
            redirect_uri = query["redirect_uri"]
            if self.signs_in is None:
                target = f"{redirect_uri}?error=access_denied&state={query['state']}"
                return RedirectResponse(target, status_code=302)
            assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "client_id": query["client_id"],
                "redirect_uri": redirect_uri,
                "challenge": query["code_challenge"],
                "nonce": query["nonce"],
                "subject": self.signs_in,
            }
            return RedirectResponse(
                f"{redirect_uri}?code={code}&state={query['state']}", status_code=302
            )

        @app.post("/token")
        def token(
            request: Request,
            grant_type: str = Form(),
            code: str = Form(),
            redirect_uri: str = Form(),
            code_verifier: str = Form(),
            client_id: str = Form(),
        ) -> JSONResponse:
            if self.client_secret is not None and request.headers.get("authorization") != basic(
                client_id, self.client_secret
            ):
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            issued = self.codes.pop(code, None)  # a code is good once
            if (
                grant_type != "authorization_code"
                or issued is None
                or issued["client_id"] != client_id
                or issued["redirect_uri"] != redirect_uri
                or s256(code_verifier) != issued["challenge"]
            ):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            id_token = self.id_token(issued["subject"], client_id, issued["nonce"])
            return JSONResponse(
                {"access_token": "opaque", "token_type": "Bearer", "id_token": id_token}
            )

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            return {"keys": [{**jwk, "kid": "test-key", "use": "sig", "alg": "RS256"}]}

        return app

    def token(
        self,
        subject: str,
        audience: str = "lifeevents",
        roles: list[str] | None = None,
        expires_in: int = 300,
        key: Any = None,
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": subject,
            "aud": audience,
            "iat": now,
            "exp": now + expires_in,
            "roles": roles or [],
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": "test-key"})

    def id_token(self, subject: str, audience: str, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": subject,
            "aud": audience,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "preferred_username": subject,
            "roles": self.roles,
            **self.id_token_claims,
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "test-key"})

    def start(self) -> "Issuer":
        self._server = uvicorn.Server(
            uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_config=None)
        )
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True


def s256(verifier: str) -> str:
    """RFC 7636's S256 challenge, computed here on its own (not with the code under test)."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def basic(client_id: str, secret: str) -> str:
    """client_secret_basic's header (RFC 6749 §2.3.1: each part form-encoded first)."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(pair).decode()
