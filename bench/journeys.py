"""Throughput and latency of birth journeys on the running stack, against a bare Temporal
workflow of the same shape, plus the end-to-end time of a 25-service journey.

    .venv/bin/lifeevents dev            # in another terminal (AGENCY_DECISION_DELAY_SECONDS=0)
    .venv/bin/python bench/journeys.py --n 100 --concurrency 10
"""

import argparse
import asyncio
import json
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from bench.bare_workflows import BareChild, BareJourney, noop
from lifeevents.models import JourneyPlan, LocalizedText, ServicePlan, WebhookDelivery
from lifeevents.settings import get_settings
from lifeevents.temporal import data_converter
from workflows.journey import LifeEventJourney

SERVICES = [
    "vital-statistics.birth-registration",
    "revenue.child-benefit",
    "social-insurance.child-number",
    "health.child-health-card",
]


@dataclass
class Figures:
    name: str
    n: int
    concurrency: int
    per_second: float
    start_p50_ms: float
    start_p99_ms: float
    e2e_p50_ms: float
    e2e_p99_ms: float


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def intake(index: int) -> dict[str, Any]:
    return {
        "informant": {
            "national_id": "234567891",
            "given_name": "Jordan",
            "family_name": "Smith",
            "birth_date": "1988-11-02",
        },
        "child": {
            "given_name": f"Bench{index}",
            "family_name": "Smith",
            "birth_date": (date.today() - timedelta(days=2)).isoformat(),
            "sex": "X",
        },
        "contact": {"email": f"bench{index}@example.org", "language": "en"},
        "consents": SERVICES,
    }


async def run_load(name: str, n: int, concurrency: int, start_one: Any, finish_one: Any) -> Figures:
    """Run n journeys, at most c in flight; each one's start latency and end-to-end time."""
    gate = asyncio.Semaphore(concurrency)
    starts: list[float] = []
    ends: list[float] = []

    async def one(index: int) -> None:
        async with gate:
            began = time.perf_counter()
            handle_id = await start_one(index)
            starts.append(time.perf_counter() - began)
            await asyncio.wait_for(finish_one(handle_id), timeout=300)
            ends.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    elapsed = time.perf_counter() - began
    return Figures(
        name=name,
        n=n,
        concurrency=concurrency,
        per_second=n / elapsed,
        start_p50_ms=percentile(starts, 0.5) * 1000,
        start_p99_ms=percentile(starts, 0.99) * 1000,
        e2e_p50_ms=percentile(ends, 0.5) * 1000,
        e2e_p99_ms=percentile(ends, 0.99) * 1000,
    )


async def bench_journeys(api: str, client: Client, n: int, concurrency: int) -> Figures:
    async with httpx.AsyncClient(base_url=api, timeout=60) as http:

        async def start(index: int) -> str:
            response = await http.post(
                "/v1/life-events/birth/intakes",
                json=intake(index),
                headers={"Idempotency-Key": f"bench-{uuid.uuid4()}"},
            )
            response.raise_for_status()
            journey_id: str = response.json()["journey_id"]
            return journey_id

        async def finish(journey_id: str) -> None:
            status = await client.get_workflow_handle_for(LifeEventJourney.run, journey_id).result()
            assert status.state == "completed", status.state

        return await run_load("birth journey (API + 4 agencies)", n, concurrency, start, finish)


async def bench_bare(client: Client, n: int, concurrency: int) -> Figures:
    async with Worker(
        client, task_queue="bench-bare", workflows=[BareJourney, BareChild], activities=[noop]
    ):

        async def start(index: int) -> str:
            journey_id = f"bare-{uuid.uuid4()}"
            await client.start_workflow(
                BareJourney.run, journey_id, id=journey_id, task_queue="bench-bare"
            )
            return journey_id

        async def finish(journey_id: str) -> None:
            await client.get_workflow_handle(journey_id).result()

        return await run_load("bare workflow, same shape", n, concurrency, start, finish)


async def bench_25_services(client: Client, agencies: str, task_queue: str) -> float:
    """One journey of 25 services through the real worker and a real agency; seconds."""
    journey_id = str(uuid.uuid4())
    body = intake(0)
    plan = JourneyPlan(
        journey_id=journey_id,
        life_event="birth",
        definition_version=1,
        language="en",
        intake=body,
        callback_base_url="http://127.0.0.1:9",
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
            for i in range(25)
        ],
    )
    began = time.perf_counter()
    handle = await client.start_workflow(
        LifeEventJourney.run, plan, id=journey_id, task_queue=task_queue
    )
    status = await handle.result()
    assert status.state == "completed", status.state
    return time.perf_counter() - began


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    parser.add_argument("--agencies", default="http://127.0.0.1:8001")
    parser.add_argument("--temporal", default="127.0.0.1:7233")
    parser.add_argument("--task-queue", default="life-events")
    args = parser.parse_args()

    client = await Client.connect(args.temporal, data_converter=data_converter(get_settings()))
    journeys = await bench_journeys(args.api, client, args.n, args.concurrency)
    bare = await bench_bare(client, args.n, args.concurrency)
    wide = await bench_25_services(client, args.agencies, args.task_queue)

    print(f"\n{'':38} {'per s':>7} {'start p50':>10} {'p99':>7} {'e2e p50':>9} {'p99':>7}")
    for figures in (journeys, bare):
        print(
            f"{figures.name:38} {figures.per_second:7.2f} {figures.start_p50_ms:8.0f}ms "
            f"{figures.start_p99_ms:5.0f}ms {figures.e2e_p50_ms:7.0f}ms "
            f"{figures.e2e_p99_ms:5.0f}ms"
        )
    ratio = journeys.per_second / bare.per_second
    print(f"\njourneys/s ÷ bare/s = {ratio:.2f}   (n={args.n}, concurrency={args.concurrency})")
    print(f"one journey of 25 services, end to end: {wide * 1000:.0f} ms")

    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (results / f"{stamp}.json").write_text(
        json.dumps(
            {
                "journeys": asdict(journeys),
                "bare": asdict(bare),
                "ratio": ratio,
                "twenty_five_services_ms": wide * 1000,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
