"""The two loads: birth journeys through the API, and the bare shape on the benchmark's worker.

Each lane posts an intake (or starts a bare workflow), then waits for that workflow to close
through Temporal's long poll (`result()`), not by polling. Close times and the agency's wait are
read from Temporal after the load, so that reading them adds no load during it.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError
from temporalio.service import RPCError
from temporalio.worker import Worker

from bench.figures import Figures, Sample, summarize
from bench.lanes import Progress, bounded, closed_loop
from bench.processes import CpuMeter
from bench.shapes import BIRTH, TASK_QUEUE, BareChild, BareJourney, LateAgency, noop
from simulated_agencies import demo

INTAKE_PATH = "/v1/life-events/birth/intakes"
SERVICES = [
    "vital-statistics.birth-registration",
    "revenue.child-benefit",
    "social-insurance.child-number",
    "health.child-health-card",
]
# The signal an agency's late decision (its callback) reaches a service's child workflow with.
DECISION_SIGNAL = "agency_decision"
_T = TypeVar("_T")


def birth_intake(
    services: list[str] | None = None, consents: list[str] | None = None
) -> dict[str, Any]:
    """A valid birth intake for a demo person (Amélie), child born 3 days ago; by default all
    four services run and all are consented to."""
    body = demo.birth_intake(
        email="amelie@example.org",
        language="fr",
        informant=demo.AMELIE,
        child_given_name="Léa",
        child_sex="F",
    )
    if services is not None:
        body["services"] = services
    body["consents"] = SERVICES if consents is None else consents
    return body


def error_text(error: BaseException) -> str:
    cause = getattr(error, "cause", None)
    text = f"{type(error).__name__}: {error}" + (f" ({cause})" if cause else "")
    return text[:300]


async def run_journeys(
    client: Client,
    api: str,
    n: int,
    concurrency: int,
    timeout: float,
    run_id: str,
    label: str = "journeys",
    meter: CpuMeter | None = None,
) -> Figures:
    limits = httpx.Limits(max_connections=max(1, concurrency))
    async with httpx.AsyncClient(base_url=api, timeout=30, limits=limits) as http:

        async def one(index: int) -> Sample:
            sample = Sample(index=index, started_at=time.time())
            began = time.perf_counter()
            try:
                response = await http.post(
                    INTAKE_PATH,
                    json=birth_intake(),
                    headers={"Idempotency-Key": f"bench-{run_id}-{label}-{concurrency}-{index}"},
                )
                sample.start_s = time.perf_counter() - began
                if response.status_code != 202:
                    sample.error = f"intake answered {response.status_code}: {response.text[:200]}"
                    return sample
                accepted = response.json()
                sample.workflow_id = accepted["journey_id"]
                sample.services = list(accepted.get("services", []))
                handle = client.get_workflow_handle(sample.workflow_id)
                status = await asyncio.wait_for(handle.result(), timeout)
                sample.observed_s = time.perf_counter() - began
                sample.state = final_state(status)
            except TimeoutError:
                sample.error = f"not closed after {timeout:.0f} s"
            except (httpx.HTTPError, WorkflowFailureError, RPCError, ValueError) as error:
                sample.error = error_text(error)
            return sample

        progress = Progress(f"{label} C={concurrency}", n)
        samples, elapsed = await metered(meter, closed_loop(n, concurrency, one, progress))
    await read_close_times(client, samples, with_waits=True)
    return summarize("birth journeys (API)", samples, concurrency, elapsed, meter)


def final_state(status: Any) -> str:
    """A journey's final state from its result (a dict when read without its type)."""
    if isinstance(status, dict):
        return str(status.get("state"))
    return str(getattr(status, "state", status))


@asynccontextmanager
async def bare_worker(client: Client) -> AsyncIterator[None]:
    """The benchmark's own worker for the bare shape (task queue `bench-bare`)."""
    agency = LateAgency(client)
    async with Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[BareJourney, BareChild],
        activities=[noop, agency.submit_later],
    ):
        yield


async def run_bare(
    client: Client,
    n: int,
    concurrency: int,
    timeout: float,
    run_id: str,
    label: str = "bare",
    meter: CpuMeter | None = None,
) -> Figures:
    """The bare shape, n times at `concurrency` (needs `bare_worker` running)."""

    async def one(index: int) -> Sample:
        sample = Sample(index=index, started_at=time.time())
        sample.workflow_id = f"bench-bare-{run_id}-{concurrency}-{index}"
        began = time.perf_counter()
        try:
            handle = await client.start_workflow(
                BareJourney.run,
                BIRTH,
                id=sample.workflow_id,
                task_queue=TASK_QUEUE,
                # Closes on its own even if this process dies mid-run.
                execution_timeout=timedelta(seconds=timeout + 60),
            )
            sample.start_s = time.perf_counter() - began
            await asyncio.wait_for(handle.result(), timeout)
            sample.observed_s = time.perf_counter() - began
            sample.state = "completed"
        except TimeoutError:
            sample.error = f"not closed after {timeout:.0f} s"
        except (WorkflowFailureError, RPCError) as error:
            sample.error = error_text(error)
        return sample

    progress = Progress(f"{label} C={concurrency}", n)
    samples, elapsed = await metered(meter, closed_loop(n, concurrency, one, progress))
    await read_close_times(client, samples, with_waits=False)
    return summarize("bare Temporal, same shape", samples, concurrency, elapsed, meter)


async def metered(meter: CpuMeter | None, load: Awaitable[_T]) -> _T:
    """The load, with the CPU every process spent on it measured (the reads after it are not)."""
    if meter is not None:
        meter.start()
    try:
        return await load
    finally:
        if meter is not None:
            meter.stop()


# --- Close times and agency waits, read from Temporal once the load is over ------------------


def _seconds(event: Any) -> float:
    return float(event.event_time.ToNanoseconds()) / 1e9


async def agency_wait(client: Client, sample: Sample) -> float:
    """How long the journey's services waited for an agency's late decision (the longest):
    in a child's history, from the submission's completion to the decision's signal."""
    longest = 0.0
    for service_id in sample.services:
        try:
            handle = client.get_workflow_handle(f"{sample.workflow_id}/{service_id}")
            history = await handle.fetch_history()
        except RPCError:
            continue  # the service did not run
        completed: float | None = None
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                completed = _seconds(event)
            elif (
                event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
                and event.workflow_execution_signaled_event_attributes.signal_name
                == DECISION_SIGNAL
            ):
                if completed is not None:
                    longest = max(longest, _seconds(event) - completed)
                break
    return longest


async def read_close_times(client: Client, samples: list[Sample], with_waits: bool) -> None:
    async def read(sample: Sample) -> None:
        try:
            description = await client.get_workflow_handle(sample.workflow_id).describe()
            if description.close_time is not None:
                sample.e2e_s = description.close_time.timestamp() - sample.started_at
            if with_waits:
                sample.agency_wait_s = await agency_wait(client, sample)
        except RPCError:
            pass  # then the time observed here stands in

    closed = [s for s in samples if s.error is None and s.workflow_id]
    await asyncio.wait_for(bounded(8, [read(s) for s in closed]), timeout=300)
