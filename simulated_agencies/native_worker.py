"""The Social Insurance agency runs its own Temporal worker on its own task queue."""

from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from simulated_agencies.app import reference
from simulated_agencies.registrations import (
    SOCIAL_INSURANCE_ACTIVITY,
    SOCIAL_INSURANCE_TASK_QUEUE,
)
from simulated_agencies.store import AgencyStore


def build_native_worker(client: Client, store: AgencyStore) -> Worker:
    @activity.defn(name=SOCIAL_INSURANCE_ACTIVITY)
    async def issue_child_number(request: dict[str, Any]) -> dict[str, Any]:
        info = activity.info()
        # The same key on every attempt of this activity: a retry issues no second number.
        key = f"{info.workflow_id}/{info.activity_id}"
        answer = {
            "decision": "approved",
            "reference": reference("SIN", key),
            "message": "The social insurance number letter is on its way.",
        }
        return store.receive(key=key, agency="social-insurance", body=request, answer=answer)

    return Worker(client, task_queue=SOCIAL_INSURANCE_TASK_QUEUE, activities=[issue_child_number])
