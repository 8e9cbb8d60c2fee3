"""A stand-in OpenID Connect issuer speaking the real protocol over HTTP: discovery document,
JWKS, and RS256 tokens signed with its key (we cannot run a real identity provider here)."""

import json
import threading
import time
from typing import Any

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jwt.algorithms import RSAAlgorithm

from tests.support.ports import free_port


class Issuer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._server: uvicorn.Server | None = None

    def app(self) -> FastAPI:
        app = FastAPI()
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {"issuer": self.url, "jwks_uri": f"{self.url}/jwks"}

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
