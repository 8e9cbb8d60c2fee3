"""An agency no code in the repository knows about: a real HTTP server in the test process that
verifies our signatures with the reference `standardwebhooks` library, as an agency would, and
can misbehave on purpose (5xx, slowness, 4xx) to exercise retries."""

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.support.ports import free_port

# What every agency receives, key for key (the wire contract), as tests expect it.
AGENCY_REQUEST_KEYS = frozenset(
    {
        "journey_id",
        "service_id",
        "life_event",
        "step_id",
        "data",
        "callback_url",
        "prerequisites",
        "information",
        "round",
    }
)


@dataclass
class Delivery:
    path: str
    msg_id: str
    body: dict[str, Any]
    signature_ok: bool
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Script:
    """How the agency answers on one path: a list of behaviours, one per delivery (the last
    repeats). Each is "ok", "later", "5xx", "slow" or "invalid"."""

    steps: list[str] = field(default_factory=lambda: ["ok"])
    reference: str = "EXT-1"


class ExternalAgency:
    def __init__(self, secret: str) -> None:
        self.secrets = [secret]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.deliveries: list[Delivery] = []
        self.scripts: dict[str, Script] = {}
        self.pending: list[tuple[str, dict[str, Any]]] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{path:path}")
        async def receive(path: str, request: Request) -> JSONResponse:
            raw = await request.body()
            ok = self._verify(raw, dict(request.headers))
            body = json.loads(raw)
            self.deliveries.append(
                Delivery(path, request.headers["webhook-id"], body, ok, dict(request.headers))
            )
            if not ok:
                return JSONResponse({"message": "bad signature"}, status_code=401)
            script = self.scripts.get(path, Script())
            seen = sum(1 for d in self.deliveries if d.path == path and d.signature_ok)
            step = script.steps[min(seen, len(script.steps)) - 1]
            decision = {
                "decision": "approved",
                "reference": script.reference,
                "message": "Done by an agency nobody coded for.",
            }
            match step:
                case "5xx":
                    return JSONResponse({"message": "down for maintenance"}, status_code=503)
                case "slow":
                    await asyncio.sleep(3)
                    return JSONResponse(decision)
                case "invalid":
                    return JSONResponse(
                        {"message": "child.given_name is too long for us"}, status_code=422
                    )
                case "later":
                    self.pending.append((body["callback_url"], decision))
                    return JSONResponse({"status": "accepted"}, status_code=202)
            return JSONResponse(decision)

        return app

    def _verify(self, raw: bytes, headers: dict[str, str]) -> bool:
        for secret in self.secrets:
            try:
                Webhook(secret).verify(raw, headers)
                return True
            except WebhookVerificationError:
                continue
        return False

    def start(self) -> "ExternalAgency":
        config = uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_config=None)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "agency server did not start"
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def call_back(self, secret: str | None = None, msg_id: str | None = None) -> httpx.Response:
        """Post the oldest pending decision, signed like a real agency would sign it (its
        webhook-id bound to the callback: the callback id, ':' and a suffix)."""
        url, decision = self.pending.pop(0)
        msg_id = msg_id or f"{url.rsplit('/', 1)[-1]}:decision"
        body = json.dumps(decision)
        timestamp = datetime.now(UTC)
        signature = Webhook(secret or self.secrets[0]).sign(msg_id, timestamp, body)
        headers = {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(timestamp.timestamp())),
            "webhook-signature": signature,
            "Content-Type": "application/json",
        }
        self.last_callback = (url, body, headers)
        return httpx.post(url, content=body, headers=headers, timeout=10)
