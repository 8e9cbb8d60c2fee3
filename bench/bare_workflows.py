"""A bare Temporal workflow with a birth journey's shape, as the benchmark's baseline.

The parent runs one activity (the journey's identity check), then four children in parallel
(the journey's four agency services), each running four activities in sequence (eligibility and
request preparation, submission, notification, payment). Every activity is a no-op: no I/O, no
database, no HTTP, so what remains is Temporal's own cost for that many tasks.

Differences from a real journey, kept on purpose so the baseline stays simple: the journey runs
eligibility and preparation as two local activities (here: one ordinary activity), notifies and
pays in parallel (here: in sequence), records the intake's consents beside the identity check,
runs the child benefit only after the birth registration (here: all four children at once), and
its children signal their progress to the parent.

Nothing runs at import time: the workflow sandbox re-imports this module for every run.
"""

import asyncio
from datetime import timedelta

from temporalio import activity, workflow

TASK_QUEUE = "bench-bare"
ACTIVITY_TIMEOUT = timedelta(seconds=10)
CHILDREN = 4
CHILD_STEPS = ("eligibility-and-prepare", "submit", "notify", "pay")


@activity.defn(name="bench_noop")
async def noop(step: str) -> str:
    return step


@workflow.defn(name="BenchBareChild")
class BareChild:
    @workflow.run
    async def run(self, service: str) -> None:
        for step in CHILD_STEPS:
            await workflow.execute_activity(
                noop, f"{service}/{step}", start_to_close_timeout=ACTIVITY_TIMEOUT
            )


@workflow.defn(name="BenchBareJourney")
class BareJourney:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(noop, "identity", start_to_close_timeout=ACTIVITY_TIMEOUT)
        parent_id = workflow.info().workflow_id
        await asyncio.gather(
            *(
                workflow.execute_child_workflow(
                    BareChild.run, f"service-{i}", id=f"{parent_id}/service-{i}"
                )
                for i in range(CHILDREN)
            )
        )
