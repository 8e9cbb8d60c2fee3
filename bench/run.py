"""The benchmark's command line: `python -m bench.run MODE [options]` against a running stack.

    AGENCY_DECISION_DELAY_SECONDS=0 .venv/bin/lifeevents dev      # in another terminal
    .venv/bin/python -m bench.run sweep                             # 1, 5, 10, 25, 50 in flight
    .venv/bin/python -m bench.run single                            # one at a time, vs bare
    .venv/bin/python -m bench.run waiting 1000                      # 1000 journeys waiting
    .venv/bin/python -m bench.run wide --services 25                # one 25-service journey
    .venv/bin/python -m bench.run history                           # a birth's history shape
    .venv/bin/python -m bench.run sweep --smoke                     # CI: a handful, C = 1, 2

Every mode prints its figures, writes them with the machine's description to
bench/results/<UTC time>-<mode>.json, and (sweep, waiting) draws PNG plots beside it.
See bench/README.md.
"""

import argparse
import asyncio
import ipaddress
import json
import os
import shutil
import sys
import tempfile
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from temporalio.client import Client

from bench import history, plots
from bench.figures import RESULTS, compare, describe_machine, machine, table, write_result
from bench.loads import bare_worker, run_bare, run_journeys
from bench.processes import CpuMeter, find_temporal_db, find_worker
from bench.shapes import BIRTH, TASK_QUEUE, BareJourney
from bench.waiting import run_waiting
from core.settings import get_settings
from core.temporal import data_converter

DOCS = Path(__file__).resolve().parent.parent / "docs" / "bench"
MODES = ("sweep", "single", "waiting", "wide", "history")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("count", nargs="?", type=int, help="waiting: journeys waiting at once")
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="the stack's API")
    parser.add_argument("--temporal", default="127.0.0.1:7233", help="the Temporal frontend")
    parser.add_argument("--namespace", default=None, help="default: TEMPORAL_NAMESPACE")
    parser.add_argument("--task-queue", default=None, help="the stack's; default: TASK_QUEUE")
    parser.add_argument("--agencies", default="http://127.0.0.1:8001", help="for wide")
    parser.add_argument("--n", type=int, default=None, help="workflows per part and concurrency")
    parser.add_argument("--concurrency", default=None, help="comma-separated, e.g. 1,5,10")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one workflow may take")
    parser.add_argument("--skip-bare", action="store_true", help="journeys only")
    parser.add_argument("--smoke", action="store_true", help="a handful at C = 1 and 2 (CI)")
    parser.add_argument("--services", type=int, default=25, help="wide: services in the journey")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where JSON and PNGs go")
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument("--publish", action="store_true", help="copy the PNGs to docs/bench/")
    waiting = parser.add_argument_group("waiting")
    waiting.add_argument("--agency-share", type=float, default=0.5, help="waiting on agencies")
    waiting.add_argument("--reads", type=int, default=500, help="status reads while they wait")
    waiting.add_argument("--complete", type=int, default=20, help="journeys answered, timed")
    waiting.add_argument("--worker-pid", type=int, default=None, help="default: found in /proc")
    waiting.add_argument("--temporal-db", type=Path, default=None, help="default: found in /proc")
    waiting.add_argument("--leave-waiting", action="store_true", help="do not cancel them after")
    waiting.add_argument(
        "--settle-minutes",
        type=float,
        default=None,
        help="wait at most this long for them to stand waiting, then measure anyway "
        "(default: 1.5 per 1,000)",
    )
    args = parser.parse_args(argv)
    defaults = {"sweep": (100, "1,5,10,25,50"), "single": (20, "1"), "waiting": (None, "10")}
    n, concurrency = defaults.get(args.mode, (1, "1"))
    if args.smoke:
        n, concurrency = 3, "1,2"
    args.n = args.n or n
    args.concurrency = [int(c) for c in (args.concurrency or concurrency).split(",")]
    if args.mode == "waiting":
        args.n = args.count or args.n or 100
    if args.n < 1 or min(args.concurrency) < 1:
        parser.error("--n and every concurrency must be at least 1")
    for option in ("api", "agencies"):
        _require_loopback(f"--{option}", urlsplit(getattr(args, option)).hostname)
    _require_loopback("--temporal", urlsplit(f"//{args.temporal}").hostname)
    return args


def _require_loopback(option: str, host: str | None) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"{option}: {host!r} is not a loopback address (local stack only)")


async def connect(args: argparse.Namespace) -> Client:
    settings = get_settings()  # the stack's APP_SECRET / PAYLOAD_KEYS: its payloads decrypt
    try:
        ready = httpx.get(f"{args.api}/readyz", timeout=10)
    except httpx.HTTPError as error:
        raise SystemExit(f"{args.api} does not answer ({error}); is the stack up?") from None
    if ready.status_code != 200:
        raise SystemExit(f"{args.api}/readyz answered {ready.status_code}")
    return await asyncio.wait_for(
        Client.connect(
            args.temporal,
            namespace=args.namespace or settings.temporal_namespace,
            data_converter=data_converter(settings),
        ),
        timeout=15,
    )


async def sweep(client: Client, args: argparse.Namespace, run_id: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    meter = CpuMeter(args.temporal)
    async with bare_worker(client):
        for concurrency in args.concurrency:
            journeys = await run_journeys(
                client, args.api, args.n, concurrency, args.timeout, run_id, meter=meter
            )
            bare = None
            if not args.skip_bare:
                bare = await run_bare(
                    client, args.n, concurrency, args.timeout, run_id, meter=meter
                )
            print(table([journeys] + ([bare] if bare else [])), flush=True)
            rows.append(
                {
                    "concurrency": concurrency,
                    "journeys": asdict(journeys),
                    "bare": asdict(bare) if bare else None,
                    "throughput_ratio": compare(journeys, bare, "per_second"),
                    "start_p99_ratio": compare(journeys, bare, "start_p99_ms"),
                    "e2e_p50_ratio": compare(journeys, bare, "e2e_p50_ms"),
                }
            )
    print(f"\n{'C':>4}{'journey/bare per s':>20}{'intake/start p99':>18}{'e2e p50':>9}")
    for row in rows:
        cells = [row["throughput_ratio"], row["start_p99_ratio"], row["e2e_p50_ratio"]]
        text = ["-" if c is None else f"{c:.2f}" for c in cells]
        print(f"{row['concurrency']:4d}{text[0]:>20}{text[1]:>18}{text[2]:>9}")
    return {"n": args.n, "concurrency": args.concurrency, "sweep": rows}


async def bare_shape(client: Client, run_id: str) -> dict[str, Any]:
    """One bare workflow, its history's shape."""
    async with bare_worker(client):
        workflow_id = f"bench-bare-{run_id}-shape"
        await client.execute_workflow(BareJourney.run, BIRTH, id=workflow_id, task_queue=TASK_QUEUE)
    return await history.shape(client, workflow_id)


async def single(client: Client, args: argparse.Namespace, run_id: str) -> dict[str, Any]:
    meter = CpuMeter(args.temporal)
    journeys = await run_journeys(
        client, args.api, args.n, 1, args.timeout, run_id, "single", meter=meter
    )
    bare = None
    if not args.skip_bare:
        async with bare_worker(client):
            bare = await run_bare(client, args.n, 1, args.timeout, run_id, "single bare", meter)
    print(table([journeys] + ([bare] if bare else [])))
    e2e = compare(journeys, bare, "e2e_p50_ms")
    print(f"journey / bare e2e p50: {'-' if e2e is None else f'{e2e:.2f}'} (same critical path)")
    return {"journeys": asdict(journeys), "bare": asdict(bare) if bare else None, "e2e_ratio": e2e}


async def shapes(client: Client, args: argparse.Namespace, run_id: str) -> dict[str, Any]:
    one = await run_journeys(client, args.api, 1, 1, args.timeout, run_id, "one birth")
    if one.closed != 1:
        raise SystemExit(f"the birth did not close: {one.errors or one.states}")
    birth = await history.shape(client, one.sample_ids[0])
    bare = await bare_shape(client, run_id)
    print(history.describe("birth journey", birth))
    print(history.describe("bare shape", bare))
    return {"birth": birth, "bare": bare}


async def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    client = await connect(args)
    run_id = uuid.uuid4().hex[:8]
    began = datetime.now(UTC)
    info = machine()
    footer = f"{describe_machine(info)}; {began.strftime('%Y-%m-%d %H:%M UTC')}"
    print(f"{args.mode} on {footer}; load average {info['load_average']}", flush=True)
    body: dict[str, Any] = {"run_id": run_id, "api": args.api, "temporal": args.temporal}
    figures: list[Path] = []
    plot_dir = args.results / f"{began.strftime('%Y%m%dT%H%M%SZ')}-{args.mode}"
    if args.smoke:
        plot_dir = Path(tempfile.mkdtemp(prefix="bench-smoke-"))
    draw = not args.no_plots and plots.available()
    if not args.no_plots and not draw:
        print("no plots: matplotlib is missing (pip install -e '.[bench]')")
    if args.mode == "sweep":
        body.update(await sweep(client, args, run_id))
        if args.smoke:
            body["history"] = await shapes(client, args, run_id)
        if draw:
            figures += plots.plot_sweep(body["sweep"], plot_dir, footer)
    elif args.mode == "single":
        body.update(await single(client, args, run_id))
    elif args.mode == "history":
        body.update(await shapes(client, args, run_id))
    elif args.mode == "wide":
        task_queue = args.task_queue or get_settings().task_queue
        wide = await history.wide_journey(
            client, args.agencies, task_queue, args.services, args.timeout
        )
        print(f"{args.services} services: {wide['state']} in {wide['e2e_ms']:.0f} ms")
        print(history.describe(f"{args.services}-service journey", wide["history"]))
        body["wide"] = wide
    else:
        worker = args.worker_pid or find_worker(args.temporal)
        store = args.temporal_db or find_temporal_db(args.temporal)
        print(f"worker pid {worker or '? (give --worker-pid)'}, store {store or '?'}")
        waited = await run_waiting(
            client, args.api, args.n, args.concurrency[0], run_id,
            agency_share=args.agency_share, reads=args.reads, complete=args.complete,
            timeout=args.timeout, worker_pid=worker, store=store,
            leave_waiting=args.leave_waiting, settle_minutes=args.settle_minutes,
        )  # fmt: skip
        print(json.dumps({k: v for k, v in waited.items() if k != "memory"}, indent=2))
        body["waiting"] = waited
        if draw:
            figures += plots.plot_waiting(waited["memory"], plot_dir, footer)
    body["plots"] = [str(p) for p in figures]
    path = write_result(args.mode, began, body, args.results)
    print(f"\nwritten to {path}" + "".join(f"\nplot: {p}" for p in figures))
    if args.publish and figures:
        DOCS.mkdir(parents=True, exist_ok=True)
        for figure in figures:
            shutil.copy(figure, DOCS / figure.name)
        print(f"copied to {DOCS}/ (commit them with the README's table)")
    return 1 if _failed(body) else 0


def _failed(body: dict[str, Any]) -> bool:
    parts = [p for row in body.get("sweep", []) for p in (row["journeys"], row["bare"]) if p]
    # (`single` keeps figures under these keys; `history` keeps history shapes there)
    parts += [body[k] for k in ("journeys", "bare") if body.get(k) and "closed" in body[k]]
    return any(part["closed"] < part["n"] for part in parts)


def run() -> None:
    """Leave with the run's own status. temporalio 1.35's Rust threads sometimes crash the
    interpreter's shutdown after all the work is done (SIGSEGV, SIGABRT): skip the shutdown."""
    status = asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    run()
