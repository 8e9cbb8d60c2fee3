"""A bare Temporal workflow with the journey's shape, for comparison: one activity, then four
children in parallel, each running four activities in sequence. No I/O at all."""

import asyncio
from datetime import timedelta

from temporalio import activity, workflow

ACTIVITY_TIMEOUT = timedelta(seconds=10)


@activity.defn
async def noop(step: str) -> str:
    return step


@workflow.defn
class BareChild:
    @workflow.run
    async def run(self, name: str) -> None:
        for step in ("eligibility", "submit", "notify", "pay"):
            await workflow.execute_activity(
                noop, f"{name}/{step}", start_to_close_timeout=ACTIVITY_TIMEOUT
            )


@workflow.defn
class BareJourney:
    @workflow.run
    async def run(self, journey_id: str) -> None:
        await workflow.execute_activity(noop, "identity", start_to_close_timeout=ACTIVITY_TIMEOUT)
        await asyncio.gather(
            *(
                workflow.execute_child_workflow(BareChild.run, f"s{i}", id=f"{journey_id}/s{i}")
                for i in range(4)
            )
        )
