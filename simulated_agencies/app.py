"""The webhook agencies: one route per registered service, answering as ``services.yaml`` says."""

import hmac
import json
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Request, status
from fastapi.responses import JSONResponse

from core.webhooks import SignatureError, verify
from simulated_agencies.behaviour import decide
from simulated_agencies.registrations import simulated
from simulated_agencies.store import AgencyStore


def create_agencies_app(
    store: AgencyStore,
    decision_delay_seconds: float,
    webhook_secrets: dict[str, str],
    inspection_token: str | None = None,
) -> FastAPI:
    """``inspection_token`` opens ``GET /_received`` (bearer); without one nobody may read it."""
    app = FastAPI(title="Simulated agencies", docs_url="/docs")

    async def _verified(request: Request, agency: str) -> dict[str, Any]:
        """The body of a request the orchestrator signed for this agency (else 401)."""
        body = await request.body()
        try:
            secrets = [webhook_secrets[agency]] if agency in webhook_secrets else []
            verify(secrets, request.headers, body)
        except SignatureError as error:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(error)) from error
        parsed: dict[str, Any] = json.loads(body)
        return parsed

    def _service(service_id: str) -> Any:
        service = simulated().service(service_id)
        if service is None or service.mode != "webhook":
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No service '{service_id}' here")
        return service

    @app.post("/agencies/{service_id}")
    async def submit(
        service_id: str, request: Request, webhook_id: Annotated[str, Header()]
    ) -> JSONResponse:
        service = _service(service_id)
        body = await _verified(request, service.agency)
        for key in ("journey_id", "service_id", "step_id", "data", "callback_url"):
            if key not in body:
                raise HTTPException(status.HTTP_400_BAD_REQUEST, f"'{key}' is missing")
        decision = decide(service, body, webhook_id)
        if service.behaviour == "later":
            store.receive(
                key=webhook_id, agency=service.agency, body=body, answer={"status": "accepted"}
            )
            store.promise_decision(
                key=webhook_id,
                agency=service.agency,
                callback_url=body["callback_url"],
                decision=decision,
                delay_seconds=decision_delay_seconds,
            )
            return JSONResponse({"status": "accepted"}, status_code=status.HTTP_202_ACCEPTED)
        answer = store.receive(key=webhook_id, agency=service.agency, body=body, answer=decision)
        return JSONResponse(answer)

    @app.post("/agencies/{service_id}/withdraw")
    async def withdraw(
        service_id: str, request: Request, webhook_id: Annotated[str, Header()]
    ) -> dict[str, str]:
        service = _service(service_id)
        body = await _verified(request, service.agency)
        store.receive(
            key=webhook_id,
            agency=service.agency,
            body={**body, "action": "withdraw"},
            answer={"status": "withdrawn"},
        )
        return {"status": "withdrawn"}

    @app.get("/_received")
    def received(
        journey_id: str | None = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> list[dict[str, Any]]:
        """Everything the agencies received (tests and demos read it, with the inspection
        token: it holds the personal data the agencies were sent)."""
        scheme, _, token = (authorization or "").partition(" ")
        if not (
            inspection_token
            and scheme.lower() == "bearer"
            and hmac.compare_digest(token.encode(), inspection_token.encode())
        ):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Missing or invalid inspection token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return store.received(journey_id)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
