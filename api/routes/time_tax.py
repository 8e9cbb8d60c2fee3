"""A journey's time-tax meter: what telling once spared the person, for them and for
operators."""

from fastapi import APIRouter

from api.deps import JourneyAccessDep
from api.openapi import problem_responses
from core import time_tax
from core.models import TimeTax
from use_cases.deps import GatewayDep
from use_cases.errors import JourneyNotFound

router = APIRouter(prefix="/v1/journeys", tags=["journeys"])


@router.get(
    "/{journey_id}/time-tax",
    response_model=TimeTax,
    responses=problem_responses(
        {
            404: "No such journey, or another person's (a journey token never tells which)",
            503: "A running journey's status did not come within 10 seconds (no worker?)",
        }
    ),
)
async def get_journey_time_tax(
    journey_id: str, _: JourneyAccessDep, gateway: GatewayDep
) -> TimeTax:
    """The journey's time tax as it stands: the answers told once and those the agencies
    received, the agencies reached, contacts avoided, documents not asked for, each agency's
    time to decide and the time to the end, and the minutes saved as estimated from each
    service's burden figure, with the estimate's assumption."""
    status = await gateway.journey_status(journey_id)
    plan = await gateway.journey_plan(journey_id)
    if plan is None:
        raise JourneyNotFound(journey_id)
    return time_tax.meter(plan, status)
