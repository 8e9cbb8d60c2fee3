"""The public performance figures (anonymous, aggregates only): JSON here, a page in web/."""

import time
from threading import Lock

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from api.deps import SessionDep
from api.services import performance
from api.services.performance import LifeEventPerformance

router = APIRouter()
# Anyone may ask, and each answer reads every outcome and response: answered from a copy at
# most this old, so that asking often costs the database nothing more.
FRESH_FOR_SECONDS = 60.0
_computing = Lock()


def _read(request: Request, session: Session) -> list[LifeEventPerformance]:
    with _computing:
        cached: tuple[float, list[LifeEventPerformance]] | None = getattr(
            request.app.state, "performance", None
        )
        if cached is not None and time.monotonic() - cached[0] < FRESH_FOR_SECONDS:
            return cached[1]
        figures = performance.read(session)
        request.app.state.performance = (time.monotonic(), figures)
        return figures


async def public_figures(request: Request, session: Session) -> list[LifeEventPerformance]:
    """The figures, computed at most once a minute per process (shared with the web page)."""
    return await run_in_threadpool(_read, request, session)


@router.get("/v1/performance", tags=["citizens"], response_model=list[LifeEventPerformance])
async def get_performance(request: Request, session: SessionDep) -> list[LifeEventPerformance]:
    """Open to anyone: per life event and fiscal quarter, how many journeys ended, the median
    time to their outcome, and the share of people satisfied and whose trust it increased
    (the US OMB A-11 survey). Aggregates only; a figure from fewer than 10 journeys or
    responses is null (suppressed). Refreshed at most once a minute."""
    return await public_figures(request, session)
