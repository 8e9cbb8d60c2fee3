"""Prometheus scrapes the API's journey figures here, with METRICS_TOKEN; not a public
endpoint, and not in the OpenAPI description (it is for the operators' monitoring, not for
integrators)."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import SettingsDep
from api.metrics import JourneyMetrics

router = APIRouter()

_metrics_token = HTTPBearer(auto_error=False)
_MetricsTokenDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_metrics_token)]


@router.get("/metrics", include_in_schema=False)
def read_metrics(
    request: Request, settings: SettingsDep, credentials: _MetricsTokenDep
) -> Response:
    """The counters in Prometheus' text format. Without METRICS_TOKEN, 404: nothing tells that
    the endpoint exists; with it, a missing or wrong bearer token is a 401."""
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
    metrics: JourneyMetrics = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
