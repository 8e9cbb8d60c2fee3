"""Throughput and latency of birth journeys on a running stack, against a bare Temporal workflow
of the same shape (bench/bare_workflows.py), in one run.

    AGENCY_DECISION_DELAY_SECONDS=0 .venv/bin/lifeevents dev      # in another terminal
    .venv/bin/python bench/journeys.py --n 100 --concurrency 10

Concurrency is journeys in flight: each of C lanes posts an intake (or starts a bare workflow),
waits for that workflow to close (through Temporal's long poll, no polling loop), then starts
the next. Prints journeys/s, p50/p99 of the start call and of end to end for both, and their
ratio; writes everything to bench/results/<UTC time>.json. See bench/README.md.
"""

import argparse
import asyncio
import ipaddress
import json
import math
import os
import platform
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError
from temporalio.service import RPCError
from temporalio.worker import Worker

from lifeevents.settings import get_settings
from lifeevents.temporal import data_converter
from simulated_agencies import demo

# `python bench/journeys.py` puts bench/ itself first on sys.path; the sandbox needs `bench.…`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bare_workflows import TASK_QUEUE, BareChild, BareJourney, noop  # noqa: E402

INTAKE_PATH = "/v1/life-events/birth/intakes"
SERVICES = [
    "vital-statistics.birth-registration",
    "revenue.child-benefit",
    "social-insurance.child-number",
    "health.child-health-card",
]
FINAL_STATES = ("completed", "completed_with_issues", "failed", "cancelled")
# The signal an agency's late decision (its callback) reaches a service's child workflow with.
DECISION_SIGNAL = "agency_decision"
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Sample:
    """One journey (or bare workflow): when it started and how long each part took."""

    index: int
    started_at: float  # epoch seconds, just before the intake request (or start RPC)
    workflow_id: str = ""
    services: list[str] = field(default_factory=list)
    start_s: float | None = None  # the intake's HTTP round trip (bare: the start RPC)
    observed_s: float | None = None  # start until result() returned here
    e2e_s: float | None = None  # start until the server closed it (describe().close_time)
    agency_wait_s: float | None = None  # the longest wait for an agency's late callback
    state: str | None = None
    error: str | None = None


@dataclass
class Figures:
    name: str
    n: int
    concurrency: int
    closed: int
    elapsed_s: float
    per_second: float
    start_p50_ms: float | None
    start_p99_ms: float | None
    e2e_p50_ms: float | None
    e2e_p99_ms: float | None
    states: dict[str, int]
    errors: list[str]
    # Journeys only: end to end less each journey's wait for the late-deciding agency.
    agency_wait_p50_ms: float | None = None
    agency_wait_p99_ms: float | None = None
    e2e_less_wait_p50_ms: float | None = None
    e2e_less_wait_p99_ms: float | None = None
    start_ms: list[float] = field(default_factory=list)
    e2e_ms: list[float] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest rank: the smallest value with at least q of all values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _ms(values: Iterable[float | None]) -> list[float]:
    return [round(v * 1000, 1) for v in values if v is not None]


def summarize(name: str, samples: list[Sample], concurrency: int, elapsed: float) -> Figures:
    closed = [s for s in samples if s.error is None and s.state in FINAL_STATES]
    start_ms = _ms([s.start_s for s in samples])
    e2e_ms = _ms([s.e2e_s if s.e2e_s is not None else s.observed_s for s in closed])
    figures = Figures(
        name=name,
        n=len(samples),
        concurrency=concurrency,
        closed=len(closed),
        elapsed_s=round(elapsed, 3),
        per_second=len(closed) / elapsed if elapsed > 0 else 0.0,
        start_p50_ms=percentile(start_ms, 0.5),
        start_p99_ms=percentile(start_ms, 0.99),
        e2e_p50_ms=percentile(e2e_ms, 0.5),
        e2e_p99_ms=percentile(e2e_ms, 0.99),
        states=dict(Counter(s.state or "error" for s in samples)),
        errors=sorted({s.error for s in samples if s.error})[:5],
        start_ms=start_ms,
        e2e_ms=e2e_ms,
    )
    waits: list[float] = []
    less: list[float] = []
    for sample in closed:
        if sample.agency_wait_s is not None and sample.e2e_s is not None:
            waits.append(sample.agency_wait_s)
            less.append(sample.e2e_s - sample.agency_wait_s)
    if waits:
        wait_ms, less_ms = _ms(waits), _ms(less)
        figures.agency_wait_p50_ms = percentile(wait_ms, 0.5)
        figures.agency_wait_p99_ms = percentile(wait_ms, 0.99)
        figures.e2e_less_wait_p50_ms = percentile(less_ms, 0.5)
        figures.e2e_less_wait_p99_ms = percentile(less_ms, 0.99)
    return figures


async def closed_loop(
    n: int, concurrency: int, one: Callable[[int], Awaitable[Sample]]
) -> tuple[list[Sample], float]:
    """Run n workflows, `concurrency` lanes each starting the next as soon as its last closed."""
    indices = iter(range(n))
    samples: list[Sample] = []

    async def lane() -> None:
        for index in indices:  # shared by the lanes: each index is taken once
            samples.append(await one(index))

    began = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(max(1, min(concurrency, n)))))
    return sorted(samples, key=lambda s: s.index), time.perf_counter() - began


async def bounded(limit: int, jobs: list[Awaitable[None]]) -> None:
    gate = asyncio.Semaphore(limit)

    async def run(job: Awaitable[None]) -> None:
        async with gate:
            await job

    await asyncio.gather(*(run(job) for job in jobs))


def _error(error: BaseException) -> str:
    cause = getattr(error, "cause", None)
    text = f"{type(error).__name__}: {error}" + (f" ({cause})" if cause else "")
    return text[:300]


# --- Close times and agency waits, read from Temporal once the load is over ------------------


def _seconds(event: Any) -> float:
    return float(event.event_time.ToNanoseconds()) / 1e9


async def agency_wait(client: Client, sample: Sample) -> float:
    """How long the journey's services waited for an agency's late decision (the longest).

    In a child's history: from the submission activity's completion to the decision's signal;
    0 if the decision came first. With AGENCY_DECISION_DELAY_SECONDS=0 this is only the
    callback's own round trip (agency -> API -> signal).
    """
    longest = 0.0
    for service_id in sample.services:
        try:
            history = await client.get_workflow_handle(
                f"{sample.workflow_id}/{service_id}"
            ).fetch_history()
        except RPCError:
            continue  # the service did not run (not eligible, skipped)
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


# --- The two loads ---------------------------------------------------------------------------


def birth_intake() -> dict[str, Any]:
    """A valid birth intake for a demo person (the demo population), child born 3 days ago."""
    return {
        **demo.birth_intake(
            email="amelie@example.org",
            language="fr",
            informant=demo.AMELIE,
            child_given_name="Léa",
            child_sex="F",
        ),
        "consents": SERVICES,
    }


async def bench_journeys(
    client: Client, api: str, n: int, concurrency: int, timeout: float, run_id: str
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
                    headers={"Idempotency-Key": f"bench-{run_id}-{index}"},
                )
                sample.start_s = time.perf_counter() - began
                if response.status_code != 202:
                    sample.error = f"intake answered {response.status_code}: {response.text[:200]}"
                    return sample
                accepted = response.json()
                sample.workflow_id = accepted["journey_id"]
                sample.services = list(accepted.get("services", []))
                status = await asyncio.wait_for(
                    client.get_workflow_handle(sample.workflow_id).result(), timeout
                )
                sample.observed_s = time.perf_counter() - began
                sample.state = status.get("state") if isinstance(status, dict) else str(status)
            except TimeoutError:
                sample.error = f"not closed after {timeout:.0f} s"
            except (httpx.HTTPError, WorkflowFailureError, RPCError, ValueError) as error:
                sample.error = _error(error)
            return sample

        samples, elapsed = await closed_loop(n, concurrency, one)
    await read_close_times(client, samples, with_waits=True)
    return summarize("birth journeys (API)", samples, concurrency, elapsed)


async def bench_bare(
    client: Client, n: int, concurrency: int, timeout: float, run_id: str
) -> Figures:
    async def one(index: int) -> Sample:
        sample = Sample(index=index, started_at=time.time())
        sample.workflow_id = f"bench-bare-{run_id}-{index}"
        began = time.perf_counter()
        try:
            handle = await client.start_workflow(
                BareJourney.run,
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
            sample.error = _error(error)
        return sample

    async with Worker(
        client, task_queue=TASK_QUEUE, workflows=[BareJourney, BareChild], activities=[noop]
    ):
        samples, elapsed = await closed_loop(n, concurrency, one)
    await read_close_times(client, samples, with_waits=False)
    return summarize("bare Temporal, same shape", samples, concurrency, elapsed)


async def bench_wide(
    client: Client, agencies: str, task_queue: str, services: int, timeout: float
) -> float:
    """Optional: one journey of `services` webhook services, started on the worker directly."""
    from lifeevents.models import JourneyPlan, LocalizedText, ServicePlan, WebhookDelivery
    from workflows.journey import LifeEventJourney

    journey_id = str(uuid.uuid4())
    plan = JourneyPlan(
        journey_id=journey_id,
        life_event="birth",
        definition_version=1,
        language="en",
        intake=birth_intake(),
        callback_base_url="http://127.0.0.1:9",  # the service decides at once: no callback
        services=[
            ServicePlan(
                service_id=f"bench.service-{i:02d}",
                agency_id="passport",
                agency_name="Passport Office",
                title=LocalizedText(en=f"Service {i}", fr=f"Service {i}"),
                registration_version=1,
                fields=["child.given_name"],
                consent=True,
                delivery=WebhookDelivery(url=f"{agencies}/agencies/passport.cancel"),
                sla=timedelta(days=1),
            )
            for i in range(services)
        ],
    )
    began = time.perf_counter()
    handle = await client.start_workflow(
        LifeEventJourney.run, plan, id=journey_id, task_queue=task_queue
    )
    status = await asyncio.wait_for(handle.result(), timeout)
    if status.state != "completed":
        raise SystemExit(f"the {services}-service journey ended {status.state}")
    return time.perf_counter() - began


# --- Command line ----------------------------------------------------------------------------


def require_loopback(option: str, host: str | None) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"{option}: {host!r} is not a loopback address (local stack only)")


def _cell(value: float | None, unit: str = " ms") -> str:
    return "-" if value is None else f"{value:.0f}{unit}"


def report(journeys: Figures, bare: Figures | None, ratio: float | None) -> None:
    runs = [journeys] if bare is None else [journeys, bare]
    header = f"{'':28}{'closed':>8}{'per s':>8}{'start p50':>11}{'p99':>9}{'e2e p50':>10}{'p99':>9}"
    print(f"\n{header}")
    for f in runs:
        print(
            f"{f.name:28}{f'{f.closed}/{f.n}':>8}{f.per_second:8.2f}"
            f"{_cell(f.start_p50_ms):>11}{_cell(f.start_p99_ms):>9}"
            f"{_cell(f.e2e_p50_ms):>10}{_cell(f.e2e_p99_ms):>9}"
        )
    if journeys.e2e_less_wait_p50_ms is not None:
        print(
            f"{'  journeys less agency wait':28}{'':24}{'':9}"
            f"{_cell(journeys.e2e_less_wait_p50_ms):>10}{_cell(journeys.e2e_less_wait_p99_ms):>9}"
            f"   (the late agency's wait: p50 {_cell(journeys.agency_wait_p50_ms)}, "
            f"p99 {_cell(journeys.agency_wait_p99_ms)})"
        )
    print(
        "\nstart = the intake's HTTP round trip (bare: the start_workflow RPC); "
        "e2e = start to the workflow's close time."
    )
    if ratio is not None:
        print(f"journey / bare throughput: {ratio:.2f}")
    for f in runs:
        others = {k: v for k, v in f.states.items() if k != "completed"}
        if others:
            print(f"{f.name}: {f.states}")
        for error in f.errors:
            print(f"  {f.name}: {error}")


async def main() -> int:
    parser = argparse.ArgumentParser(
        description="Birth journeys through the running stack vs a bare Temporal workflow."
    )
    parser.add_argument("--n", type=int, default=100, help="workflows per run (default 100)")
    parser.add_argument(
        "--concurrency", type=int, default=10, help="workflows in flight (default 10)"
    )
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="the stack's API")
    parser.add_argument("--temporal", default="127.0.0.1:7233", help="the Temporal frontend")
    parser.add_argument("--namespace", default=None, help="default: TEMPORAL_NAMESPACE")
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds one workflow may take (default 120)"
    )
    parser.add_argument("--skip-bare", action="store_true", help="journeys only")
    parser.add_argument(
        "--wide",
        type=int,
        default=0,
        metavar="SERVICES",
        help="also time one journey of this many webhook services (default 0: off)",
    )
    parser.add_argument("--agencies", default="http://127.0.0.1:8001", help="for --wide")
    parser.add_argument("--task-queue", default=None, help="for --wide; default: TASK_QUEUE")
    args = parser.parse_args()
    if args.n < 1 or args.concurrency < 1:
        parser.error("--n and --concurrency must be at least 1")
    require_loopback("--api", urlsplit(args.api).hostname)
    require_loopback("--temporal", urlsplit(f"//{args.temporal}").hostname)
    if args.wide:
        require_loopback("--agencies", urlsplit(args.agencies).hostname)

    settings = get_settings()  # the same APP_SECRET / PAYLOAD_KEYS as the stack: payloads decrypt
    try:
        ready = httpx.get(f"{args.api}/readyz", timeout=5)
    except httpx.HTTPError as error:
        raise SystemExit(f"{args.api} does not answer ({error}); is `lifeevents dev` up?") from None
    if ready.status_code != 200:
        raise SystemExit(f"{args.api}/readyz answered {ready.status_code}")
    client = await asyncio.wait_for(
        Client.connect(
            args.temporal,
            namespace=args.namespace or settings.temporal_namespace,
            data_converter=data_converter(settings),
        ),
        timeout=15,
    )

    run_id = uuid.uuid4().hex[:8]
    began = datetime.now(UTC)
    print(f"birth journeys: n={args.n}, concurrency={args.concurrency} ...", flush=True)
    journeys = await bench_journeys(
        client, args.api, args.n, args.concurrency, args.timeout, run_id
    )
    bare: Figures | None = None
    if not args.skip_bare:
        print(f"bare workflows: n={args.n}, concurrency={args.concurrency} ...", flush=True)
        bare = await bench_bare(client, args.n, args.concurrency, args.timeout, run_id)
    wide_s: float | None = None
    if args.wide:
        print(f"one journey of {args.wide} services ...", flush=True)
        wide_s = await bench_wide(
            client,
            args.agencies,
            args.task_queue or settings.task_queue,
            args.wide,
            args.timeout,
        )

    ratio = journeys.per_second / bare.per_second if bare and bare.per_second else None
    report(journeys, bare, ratio)
    if wide_s is not None:
        print(f"one journey of {args.wide} services, end to end: {wide_s * 1000:.0f} ms")

    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{began.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(
        json.dumps(
            {
                "started_at": began.isoformat(),
                "run_id": run_id,
                "n": args.n,
                "concurrency": args.concurrency,
                "api": args.api,
                "temporal": args.temporal,
                "host": {
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "temporalio": version("temporalio"),
                },
                "journeys": asdict(journeys),
                "bare": asdict(bare) if bare else None,
                "journey_to_bare_throughput": ratio,
                "wide": {"services": args.wide, "e2e_ms": wide_s * 1000} if wide_s else None,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {path}")
    failed = journeys.closed < journeys.n or (bare is not None and bare.closed < bare.n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
