"""The public performance figures (anonymous, aggregates only): JSON here, a page in web/."""

from threading import Lock

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from api.deps import SessionDep
from api.services import performance
from api.services.performance import LifeEventPerformance

router = APIRouter()
_computing = Lock()


def _read(request: Request, session: Session) -> list[LifeEventPerformance]:
    """Anyone may ask, and the figures read every outcome and response: they are kept per
    process and computed again only when rows were added or removed (a count and a maximum
    per table tell)."""
    with _computing:
        version = performance.version(session)
        cached: tuple[tuple[int, ...], list[LifeEventPerformance]] | None = getattr(
            request.app.state, "performance", None
        )
        if cached is not None and cached[0] == version:
            return cached[1]
        figures = performance.read(session)
        request.app.state.performance = (version, figures)
        return figures


async def public_figures(request: Request, session: Session) -> list[LifeEventPerformance]:
    """The figures (shared with the web page)."""
    return await run_in_threadpool(_read, request, session)


@router.get("/v1/performance", tags=["citizens"], response_model=list[LifeEventPerformance])
async def get_performance(request: Request, session: SessionDep) -> list[LifeEventPerformance]:
    """Open to anyone: per life event and fiscal quarter, how many journeys ended, the median
    time to their outcome, and the share of people satisfied and whose trust it increased
    (the US OMB A-11 survey). Aggregates only; a figure from fewer than 10 journeys or
    responses is null (suppressed)."""
    return await public_figures(request, session)
