"""An agency registered through the integrator API, whose webhook is one of the tests' own
servers (the e2e tests' agencies beside the simulated ones)."""

import json
import uuid
from typing import Any

import httpx
from fastapi import Request, Response
from fastapi.responses import JSONResponse
from starlette.middleware.base import RequestResponseEndpoint

from tests.support.agency import Delivery, ExternalAgency
from tests.support.stack import Stack, birth_intake

REGISTRATION = "vital-statistics.birth-registration"


class StatusAgency(ExternalAgency):
    """The tests' agency, which can also answer a path's first deliveries with given statuses
    (then behaves as scripted)."""

    def __init__(self, secret: str) -> None:
        super().__init__(secret)
        self.statuses: dict[str, list[int]] = {}

    def app(self) -> Any:
        app = super().app()

        @app.middleware("http")
        async def first_statuses(request: Request, call_next: RequestResponseEndpoint) -> Response:
            path = request.url.path.lstrip("/")
            queued = self.statuses.get(path)
            if request.method != "POST" or not queued:
                return await call_next(request)
            raw = await request.body()
            ok = self._verify(raw, dict(request.headers))
            self.deliveries.append(
                Delivery(path, request.headers["webhook-id"], json.loads(raw), ok)
            )
            return JSONResponse({"message": "not now"}, status_code=queued.pop(0))

        return app


def new_agency(stack: Stack, name: str) -> dict[str, Any]:
    agency_id = f"{name}-{uuid.uuid4().hex[:6]}"
    with stack.operator() as operator:
        response = operator.post("/v1/agencies", json={"agency_id": agency_id, "name": name})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    server = StatusAgency(created["webhook_secret"]).start()
    client = httpx.Client(
        base_url=stack.api_url,
        timeout=60,
        headers={"Authorization": f"Bearer {created['api_key']}"},
    )
    return {**created, "server": server, "client": client}


def close(agency: dict[str, Any]) -> None:
    agency["client"].close()
    agency["server"].stop()


def register(
    agency: dict[str, Any],
    name: str,
    *,
    attempts: int = 5,
    sla: str = "PT1H",
    on_sla: str = "fail",
    title: str | None = None,
) -> str:
    service_id = f"{agency['agency_id']}.{name}"
    response = agency["client"].post(
        f"/v1/agencies/{agency['agency_id']}/services",
        json=registration(
            agency, service_id, attempts=attempts, sla=sla, on_sla=on_sla, title=title
        ),
    )
    assert response.status_code == 201, response.text
    return service_id


def registration(
    agency: dict[str, Any],
    service_id: str,
    *,
    attempts: int = 5,
    sla: str = "PT1H",
    on_sla: str = "fail",
    title: str | None = None,
) -> dict[str, Any]:
    return {
        "service_id": service_id,
        "title": {"en": title or service_id, "fr": title or service_id},
        "life_events": ["birth"],
        "fields": ["child.given_name"],
        "delivery": {"mode": "webhook", "url": f"{agency['server'].url}/{service_id}"},
        "sla": sla,
        "on_sla": on_sla,
        "retry": {
            "initial_interval_seconds": 0.2,
            "maximum_interval_seconds": 0.5,
            "maximum_attempts": attempts,
            "attempt_timeout_seconds": 1.5,
        },
    }


def journey_with(stack: Stack, service_id: str, email: str) -> str:
    chosen = [REGISTRATION, service_id]
    return stack.submit(birth_intake(email=email, services=chosen, consents=chosen))
