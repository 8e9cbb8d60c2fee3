"""The webhook agencies: Vital Statistics and Revenue decide at once, Health decides later."""

import hashlib
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Request, status
from fastapi.responses import JSONResponse

from simulated_agencies.store import AgencyStore


def reference(prefix: str, key: str) -> str:
    return f"{prefix}-{hashlib.sha256(key.encode()).hexdigest()[:10].upper()}"


def create_agencies_app(store: AgencyStore, decision_delay_seconds: float) -> FastAPI:
    app = FastAPI(title="Simulated agencies", docs_url="/docs")

    async def _body(request: Request) -> dict[str, Any]:
        body = await request.json()
        for key in ("journey_id", "service_id", "step_id", "data", "callback_url"):
            if key not in body:
                raise HTTPException(status.HTTP_400_BAD_REQUEST, f"'{key}' is missing")
        return dict(body)

    @app.post("/vital-statistics/births")
    async def register_birth(
        request: Request, webhook_id: Annotated[str, Header()]
    ) -> dict[str, Any]:
        body = await _body(request)
        answer = {
            "decision": "approved",
            "reference": reference("BR", webhook_id),
            "message": "The birth is registered; the certificate is mailed within 10 days.",
        }
        return store.receive(key=webhook_id, agency="vital-statistics", body=body, answer=answer)

    @app.post("/revenue/child-benefit")
    async def child_benefit(
        request: Request, webhook_id: Annotated[str, Header()]
    ) -> dict[str, Any]:
        body = await _body(request)
        answer = {
            "decision": "approved",
            "reference": reference("CCB", webhook_id),
            "message": "Monthly payments start next month.",
        }
        return store.receive(key=webhook_id, agency="revenue", body=body, answer=answer)

    @app.post("/health/child-health-card", status_code=status.HTTP_202_ACCEPTED)
    async def health_card(request: Request, webhook_id: Annotated[str, Header()]) -> JSONResponse:
        body = await _body(request)
        store.receive(key=webhook_id, agency="health", body=body, answer={"status": "accepted"})
        store.promise_decision(
            key=webhook_id,
            callback_url=body["callback_url"],
            decision={
                "decision": "approved",
                "reference": reference("HC", webhook_id),
                "message": "The health card will arrive by mail.",
            },
            delay_seconds=decision_delay_seconds,
        )
        return JSONResponse({"status": "accepted"}, status_code=status.HTTP_202_ACCEPTED)

    @app.get("/_received")
    def received(journey_id: str | None = None) -> list[dict[str, Any]]:
        """Everything the agencies received (tests and demos read it)."""
        return store.received(journey_id)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
