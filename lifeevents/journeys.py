"""Starting a journey: the one way the API (intakes) and registries (events) start one."""

from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from lifeevents import search_attributes
from lifeevents.models import JourneyPlan
from lifeevents.settings import Settings
from workflows.journey import LifeEventJourney


async def start_journey(client: Client, settings: Settings, plan: JourneyPlan) -> bool:
    """Start the plan's journey under its id; False when that journey already exists.

    Idempotent: the id is derived from what identifies the request (an Idempotency-Key, or a
    registry event's source and id), and Temporal refuses a second journey under it, running
    or closed, so a retry (after a crash, or a redelivery) never starts another.
    """
    state = "waiting_for_citizen" if plan.proactive else "running"
    try:
        await client.start_workflow(
            LifeEventJourney.run,
            plan,
            id=plan.journey_id,
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(search_attributes.LIFE_EVENT, plan.life_event),
                    SearchAttributePair(search_attributes.JOURNEY_STATE, state),
                    SearchAttributePair(
                        search_attributes.JOURNEY_AGENCIES,
                        sorted({service.agency_id for service in plan.services}),
                    ),
                ]
            ),
            static_summary=f"{plan.life_event} journey"
            + (" (proactive)" if plan.proactive else ""),
        )
    except WorkflowAlreadyStartedError:
        return False
    return True
