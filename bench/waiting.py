"""`--waiting N`: N journeys waiting at once, on people and on agencies, on the embedded stack.

Journeys of two kinds are started through the API:

- **waiting on people**: the registration, the child benefit and the social insurance number,
  with no consent given at intake, so each waits on consent requests;
- **waiting on an agency**: the health card alone, consented to; its agency decides later, so
  the step waits for the callback (run the stack with a long AGENCY_DECISION_DELAY_SECONDS).

While they pile up it samples the worker's RSS (VmRSS) and Temporal's store (temporal.db and its
WAL); then it reads statuses as their people would, gives consent on a sample of them and times
them to the end, and finally cancels the rest (unless --leave-waiting).
"""

import asyncio
import random
import time
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.service import RPCError

from bench.figures import percentile, to_ms
from bench.lanes import Progress, bounded, closed_loop
from bench.loads import INTAKE_PATH, SERVICES, birth_intake, error_text, final_state
from bench.processes import rss_kb, store_bytes

HEALTH = "health.child-health-card"
PEOPLE_SERVICES = [s for s in SERVICES if s != HEALTH]
WAITING_STATES = {"waiting_for_citizen", "waiting_for_agency"}


class Journey:
    def __init__(self, journey_id: str, token: str, kind: str) -> None:
        self.id, self.token, self.kind = journey_id, token, kind

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def run_waiting(
    client: Client,
    api: str,
    n: int,
    concurrency: int,
    run_id: str,
    *,
    agency_share: float,
    reads: int,
    complete: int,
    timeout: float,
    worker_pid: int | None,
    store: Path | None,
    leave_waiting: bool,
    settle_minutes: float | None = None,
) -> dict[str, Any]:
    def memory_point(count: int, began: float) -> dict[str, Any]:
        rss = rss_kb(worker_pid) if worker_pid else None
        size = store_bytes(store) if store else None
        return {
            "journeys": count,
            "t_s": round(time.perf_counter() - began, 2),
            "rss_mb": round(rss / 1024, 1) if rss is not None else None,
            "store_mb": round(size / 2**20, 2) if size is not None else None,
        }

    began = time.perf_counter()
    memory = [memory_point(0, began)]
    store_before = store_bytes(store) if store else None
    every = max(1, n // 25)
    started: list[Journey] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=max(1, concurrency))
    async with httpx.AsyncClient(base_url=api, timeout=60, limits=limits) as http:

        async def intake(index: int) -> float | None:
            # Spread evenly: journey i waits on an agency when the share's running count steps.
            agency = int((index + 1) * agency_share) > int(index * agency_share)
            body = (
                birth_intake(services=[HEALTH], consents=[HEALTH])
                if agency
                else birth_intake(services=PEOPLE_SERVICES, consents=[])
            )
            t0 = time.perf_counter()
            try:
                response = await http.post(
                    INTAKE_PATH, json=body, headers={"Idempotency-Key": f"wait-{run_id}-{index}"}
                )
            except httpx.HTTPError as error:
                errors.append(error_text(error))
                return None
            took = time.perf_counter() - t0
            if response.status_code != 202:
                errors.append(f"intake answered {response.status_code}: {response.text[:200]}")
                return None
            accepted = response.json()
            kind = "agency" if agency else "people"
            started.append(Journey(accepted["journey_id"], accepted["access_token"], kind))
            if len(started) % every == 0:
                memory.append(memory_point(len(started), began))
            return took

        progress = Progress("intakes", n)
        intake_times, intake_elapsed = await closed_loop(n, concurrency, intake, progress)
        memory.append(memory_point(len(started), began))

        async def status(journey: Journey) -> dict[str, Any] | None:
            response = await http.get(f"/v1/journeys/{journey.id}", headers=journey.headers())
            if response.status_code != 200:
                errors.append(f"status answered {response.status_code}")
                return None
            found: dict[str, Any] = response.json()
            return found

        # Wait until a sample of them stands waiting (their steps have run up to the wait): the
        # newest ten, which the worker reaches last, and ten others.
        newest, older = started[-10:], started[:-10]
        sample = newest + random.sample(older, min(10, len(older)))
        settling = time.perf_counter()
        # The worker may still be setting up thousands of them (on two cores, ~20 a second, and
        # slower as Temporal's SQLite file grows): past the limit, what follows is measured with
        # the backlog still draining, and the result says it did not settle.
        settle_limit = 60 * settle_minutes if settle_minutes is not None else 90 * n / 1000
        settle_deadline = settling + max(timeout, settle_limit)
        waiting_now: dict[str, int] = {}
        settled = False
        sampled = settling
        while time.perf_counter() < settle_deadline:
            states = [await status(j) for j in sample]
            waiting_now = _step_states(states)
            settled = all(s is not None and _is_waiting_or_final(s) for s in states)
            if settled:
                break
            if time.perf_counter() - sampled >= 30:  # memory while the worker catches up
                sampled = time.perf_counter()
                memory.append(memory_point(len(started), began))
            await asyncio.sleep(1)
        settled_after = time.perf_counter() - settling
        memory.append(memory_point(len(started), began))

        read_times: list[float | None] = []

        async def read(_: int) -> None:
            journey = random.choice(started)
            t0 = time.perf_counter()
            try:
                if await status(journey) is not None:
                    read_times.append(time.perf_counter() - t0)
            except httpx.HTTPError as error:
                errors.append(error_text(error))

        if started:
            await closed_loop(reads, concurrency, read, Progress("status reads", reads))
        memory.append(memory_point(len(started), began))

        people = [j for j in started if j.kind == "people"]
        finishing = random.sample(people, min(complete, len(people)))
        completion: list[float | None] = []
        end_states: dict[str, int] = {}

        async def finish(journey: Journey) -> None:
            t0 = time.perf_counter()
            try:
                for service_id in PEOPLE_SERVICES:
                    answer = {"service_id": service_id, "given": True}
                    await http.post(
                        f"/v1/journeys/{journey.id}/consents",
                        json=answer,
                        headers=journey.headers(),
                    )
                result = await asyncio.wait_for(
                    client.get_workflow_handle(journey.id).result(), timeout
                )
                completion.append(time.perf_counter() - t0)
                state = final_state(result)
                end_states[state] = end_states.get(state, 0) + 1
            except (httpx.HTTPError, RPCError, TimeoutError) as error:
                errors.append(error_text(error))

        progress = Progress("answering consents", len(finishing))

        async def finish_one(journey: Journey) -> None:
            await finish(journey)
            progress.advance()

        await bounded(concurrency, [finish_one(j) for j in finishing])
        progress.close()

        cancelled = 0
        if not leave_waiting:
            rest = [j for j in started if j not in finishing]
            progress = Progress("cancelling the rest", len(rest))

            async def cancel(journey: Journey) -> None:
                nonlocal cancelled
                try:
                    response = await http.post(
                        f"/v1/journeys/{journey.id}/cancel", json={}, headers=journey.headers()
                    )
                    if response.status_code == 200:
                        cancelled += 1
                    elif response.status_code != 409:  # 409: it had ended already
                        errors.append(f"cancel answered {response.status_code}")
                except httpx.HTTPError as error:
                    errors.append(error_text(error))
                progress.advance()

            await bounded(concurrency, [cancel(j) for j in rest])
            progress.close()

    if agency_share > 0 and "waiting_for_agency" not in waiting_now:
        errors.append(
            "no sampled step waited for an agency: start the stack with a long "
            "AGENCY_DECISION_DELAY_SECONDS (e.g. 86400) for the agency half to wait"
        )
    intake_ms = to_ms(intake_times)
    read_ms = to_ms(read_times)
    done_ms = to_ms(completion)
    store_after = store_bytes(store) if store else None
    grown = (store_after or 0) - (store_before or 0) if store else None
    return {
        "n": n,
        "started": len(started),
        "by_kind": {k: sum(j.kind == k for j in started) for k in ("people", "agency")},
        "concurrency": concurrency,
        "intake": {
            "per_second": round(len(started) / intake_elapsed, 2) if intake_elapsed else 0.0,
            "p50_ms": percentile(intake_ms, 0.5),
            "p99_ms": percentile(intake_ms, 0.99),
        },
        "sampled_step_states": waiting_now,
        # From the last intake until the sample stood waiting: the worker's backlog draining.
        "settled": settled,
        "settled_after_s": round(settled_after, 1),
        "status_read": {
            "reads": len(read_ms),
            "p50_ms": percentile(read_ms, 0.5),
            "p99_ms": percentile(read_ms, 0.99),
        },
        "completion": {
            "asked": len(finishing),
            "closed": len(done_ms),
            "states": end_states,
            "p50_ms": percentile(done_ms, 0.5),
            "p99_ms": percentile(done_ms, 0.99),
        },
        "cancelled_afterwards": cancelled,
        "worker_pid": worker_pid,
        "store": str(store) if store else None,
        "store_bytes_per_journey": round(grown / len(started)) if grown and started else None,
        "memory": memory,
        "errors": sorted(set(errors))[:10],
        "error_count": len(errors),
    }


def _step_states(statuses: list[dict[str, Any] | None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in statuses:
        for step in (status or {}).get("steps", []):
            counts[step["state"]] = counts.get(step["state"], 0) + 1
    return counts


def _is_waiting_or_final(status: dict[str, Any]) -> bool:
    steps = status.get("steps", [])
    return status.get("state") != "running" or any(s["state"] in WAITING_STATES for s in steps)
