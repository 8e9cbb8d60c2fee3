"""Liveness and readiness."""

from fastapi import APIRouter, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text

from api.openapi import problem_responses
from api.problems import Problematic
from use_cases.deps import GatewayDep, SessionDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def check_liveness() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses=problem_responses({503: "Temporal or the database does not answer (`checks`)"}),
)
async def check_readiness(session: SessionDep, gateway: GatewayDep) -> dict[str, str]:
    """Temporal and the database both answer."""
    checks: dict[str, str] = {}
    try:
        await run_in_threadpool(session.connection().execute, text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        checks["database"] = f"error: {type(error).__name__}"
    try:
        await gateway.check_health()
        checks["temporal"] = "ok"
    except Exception as error:  # noqa: BLE001
        checks["temporal"] = f"error: {type(error).__name__}"
    if any(value != "ok" for value in checks.values()):
        failing = ", ".join(name for name, value in checks.items() if value != "ok")
        raise Problematic(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"Not ready: {failing}",
            type="not-ready",
            checks=checks,
        )
    return {"status": "ready", **checks}
