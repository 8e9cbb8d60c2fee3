"""A bare Temporal workflow with a birth journey's shape, as the benchmark's baseline.

The shape is read from a birth's history (`python -m bench.run history` prints it):

- the parent runs two activities at once (the identity check, the intake's consents);
- then it starts the children: the registration, the social insurance number and the health
  card at once, and the child benefit only once the registration has completed (the benefit
  needs the registration: that is the journey's critical path);
- each child runs two local activities (eligibility, building the agency's request), then the
  submission activity, then the notification; the benefit's child pays beside its notification;
- the health card's agency decides later: its submission returns at once and the decision
  reaches the child as a signal from outside (here the bare worker's `submit_later` activity
  sends it, as the simulated agency's callback does through the API); the child waits for it;
- once every child has ended, the parent sends the journey's summary (one more notification)
  and records the journey's outcome for the reports.

So the counts match a birth: 13 activities (4 in the parent, 9 in the children), 8 local
activities, 4 children, one of them after another, and one signal from outside.

What the bare shape leaves out, on purpose, because it is the journey's own bookkeeping and so
part of what is measured: the search-attribute upserts, the patch markers, the status memo, the
child's `step_changed` signal to its parent and the SLA timer around the wait for the agency. Every
activity is a no-op: no I/O, no database, no HTTP, so what remains is Temporal's own cost.

Nothing runs at import time: the workflow sandbox re-imports this module for every run.
"""

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.client import Client

TASK_QUEUE = "bench-bare"
TIMEOUT = timedelta(seconds=30)
DECISION = "bench_decision"
REGISTRATION = "registration"


@dataclass
class BareService:
    name: str
    pays: bool = False  # notify and pay at once (the child benefit)
    decides_later: bool = False  # the agency's decision comes by signal (the health card)
    needs: str | None = None  # starts once this service's child has completed


BIRTH = [
    BareService(REGISTRATION),
    BareService("benefit", pays=True, needs=REGISTRATION),
    BareService("sin"),
    BareService("health", decides_later=True),
]


@activity.defn(name="bench_noop")
async def noop(step: str) -> str:
    return step


class LateAgency:
    """The agency that decides later: answers the submission, then signals the decision."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._pending: set[asyncio.Task[None]] = set()

    @activity.defn(name="bench_submit_later")
    async def submit_later(self, step: str) -> str:
        workflow_id = activity.info().workflow_id
        assert workflow_id is not None  # run by a workflow
        task = asyncio.create_task(self._decide(workflow_id))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return step

    async def _decide(self, workflow_id: str) -> None:
        await asyncio.sleep(0)  # after the submission's answer, as a callback would be
        await self._client.get_workflow_handle(workflow_id).signal(DECISION)


@workflow.defn(name="BenchBareChild")
class BareChild:
    def __init__(self) -> None:
        self._decided = False

    @workflow.signal(name=DECISION)
    def decision(self) -> None:
        self._decided = True

    @workflow.run
    async def run(self, service: BareService) -> None:
        for step in ("eligibility", "prepare"):
            await workflow.execute_local_activity(
                noop, f"{service.name}/{step}", start_to_close_timeout=TIMEOUT
            )
        if service.decides_later:
            await workflow.execute_activity(
                "bench_submit_later", f"{service.name}/submit", start_to_close_timeout=TIMEOUT
            )
            await workflow.wait_condition(lambda: self._decided)
        else:
            await workflow.execute_activity(
                noop, f"{service.name}/submit", start_to_close_timeout=TIMEOUT
            )
        after = ["notify", "pay"] if service.pays else ["notify"]
        await asyncio.gather(
            *(
                workflow.execute_activity(
                    noop, f"{service.name}/{step}", start_to_close_timeout=TIMEOUT
                )
                for step in after
            )
        )


@workflow.defn(name="BenchBareJourney")
class BareJourney:
    def __init__(self) -> None:
        self._done: set[str] = set()

    @workflow.run
    async def run(self, services: list[BareService]) -> None:
        await asyncio.gather(
            *(
                workflow.execute_activity(noop, step, start_to_close_timeout=TIMEOUT)
                for step in ("identity", "consents")
            )
        )
        await asyncio.gather(*(self._service(service) for service in services))
        await workflow.execute_activity(noop, "summary", start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(noop, "outcome", start_to_close_timeout=TIMEOUT)

    async def _service(self, service: BareService) -> None:
        if service.needs is not None:
            needs = service.needs
            await workflow.wait_condition(lambda: needs in self._done)
        parent = workflow.info().workflow_id
        await workflow.execute_child_workflow(BareChild.run, service, id=f"{parent}/{service.name}")
        self._done.add(service.name)
