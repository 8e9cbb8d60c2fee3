"""Prometheus scrapes the API's journey figures here, with METRICS_TOKEN; not a public
endpoint, and not in the OpenAPI description (it is for the operators' monitoring, not for
integrators)."""

import asyncio
import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from temporalio.service import RPCError

from api.metrics import JourneyMetrics
from use_cases.deps import GatewayDep, SettingsDep

router = APIRouter()

_metrics_token = HTTPBearer(auto_error=False)
_MetricsTokenDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_metrics_token)]


# Prometheus' own scrape timeout is 10 s by default: the counters still answer before it.
JOURNEY_COUNT_TIMEOUT_SECONDS = 5.0


def _scraper(settings: SettingsDep, credentials: _MetricsTokenDep) -> None:
    """Without METRICS_TOKEN, 404: nothing tells that the endpoint exists; with it, a missing
    or wrong bearer token is a 401. Checked before anything is asked of Temporal."""
    if not settings.metrics_token:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    if credentials is None or not hmac.compare_digest(
        credentials.credentials.encode(), settings.metrics_token.encode()
    ):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Missing or invalid credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(_scraper)])
async def read_metrics(request: Request, gateway: GatewayDep) -> Response:
    """The counters, and the journeys by state read now, in Prometheus' text format."""
    metrics: JourneyMetrics = request.app.state.metrics
    try:
        counts = await asyncio.wait_for(
            gateway.count_journeys_by_state(), JOURNEY_COUNT_TIMEOUT_SECONDS
        )
    except (RPCError, TimeoutError):
        counts = None
    metrics.record_journey_counts(counts)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
