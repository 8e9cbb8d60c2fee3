"""The public performance figures (anonymous, aggregates only): JSON here, a page in web/."""

from fastapi import APIRouter, Request

from use_cases.deps import SessionDep
from use_cases.performance import LifeEventPerformance, public_figures

router = APIRouter()


@router.get("/v1/performance", tags=["citizens"], response_model=list[LifeEventPerformance])
async def get_performance(request: Request, session: SessionDep) -> list[LifeEventPerformance]:
    """Open to anyone: per life event and fiscal quarter, how many journeys ended, the median
    time to their outcome, and the share of people satisfied and whose trust it increased
    (the US OMB A-11 survey). Aggregates only; a figure from fewer than 10 journeys or
    responses is null (suppressed)."""
    return await public_figures(request.app.state, session)
