"""Liveness and readiness."""

from fastapi import APIRouter, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text

from api.deps import GatewayDep, SessionDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(session: SessionDep, gateway: GatewayDep) -> dict[str, str]:
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
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, checks)
    return {"status": "ready", **checks}
