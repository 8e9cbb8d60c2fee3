"""Percentiles, one run's summary, the machine a run was made on, and the JSON result file."""

import json
import math
import os
import platform
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.processes import CpuMeter

RESULTS = Path(__file__).resolve().parent / "results"
FINAL_STATES = ("completed", "completed_with_issues", "failed", "cancelled")


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
    """One part of one run (journeys or bare workflows, at one concurrency)."""

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
    # Journeys only: the wait for the late-deciding agency, and end to end less that wait.
    agency_wait_p50_ms: float | None = None
    e2e_less_wait_p50_ms: float | None = None
    e2e_less_wait_p99_ms: float | None = None
    start_ms: list[float] = field(default_factory=list)
    e2e_ms: list[float] = field(default_factory=list)
    sample_ids: list[str] = field(default_factory=list)  # a few closed ones, to look at
    # CPU milliseconds per closed workflow, per process (temporal, worker, api, ..., bench).
    cpu_ms: dict[str, float] = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest rank: the smallest value with at least q of all values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def to_ms(values: list[float | None]) -> list[float]:
    return [round(v * 1000, 1) for v in values if v is not None]


def summarize(
    name: str,
    samples: list[Sample],
    concurrency: int,
    elapsed: float,
    meter: CpuMeter | None = None,
) -> Figures:
    closed = [s for s in samples if s.error is None and s.state in FINAL_STATES]
    start_ms = to_ms([s.start_s for s in samples])
    e2e_ms = to_ms([s.e2e_s if s.e2e_s is not None else s.observed_s for s in closed])
    figures = Figures(
        name=name,
        n=len(samples),
        concurrency=concurrency,
        closed=len(closed),
        elapsed_s=round(elapsed, 3),
        per_second=round(len(closed) / elapsed, 3) if elapsed > 0 else 0.0,
        start_p50_ms=percentile(start_ms, 0.5),
        start_p99_ms=percentile(start_ms, 0.99),
        e2e_p50_ms=percentile(e2e_ms, 0.5),
        e2e_p99_ms=percentile(e2e_ms, 0.99),
        states=dict(Counter(s.state or "error" for s in samples)),
        errors=sorted({s.error for s in samples if s.error})[:5],
        start_ms=start_ms,
        e2e_ms=e2e_ms,
        sample_ids=[s.workflow_id for s in closed[:5]],
    )
    if meter is not None and closed:
        figures.cpu_ms = {
            role: round(seconds * 1000 / len(closed), 1) for role, seconds in meter.spent.items()
        }
    waited = [s for s in closed if s.agency_wait_s is not None and s.e2e_s is not None]
    if waited:
        figures.agency_wait_p50_ms = percentile(to_ms([s.agency_wait_s for s in waited]), 0.5)
        less = to_ms([(s.e2e_s or 0.0) - (s.agency_wait_s or 0.0) for s in waited])
        figures.e2e_less_wait_p50_ms = percentile(less, 0.5)
        figures.e2e_less_wait_p99_ms = percentile(less, 0.99)
    return figures


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def compare(journeys: Figures, bare: Figures | None, key: str) -> float | None:
    """The journeys' figure over the bare shape's (None without a bare part)."""
    if bare is None:
        return None
    return ratio(getattr(journeys, key), getattr(bare, key))


def machine() -> dict[str, Any]:
    """What the figures were measured on: they mean nothing without it."""
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_mb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_mb = round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    try:
        load: list[float] | None = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_mb": memory_mb,
        "load_average": load,  # at the start: a loaded machine's figures are not comparable
        "platform": platform.platform(),
        "python": platform.python_version(),
        "temporalio": version("temporalio"),
    }


def describe_machine(info: dict[str, Any]) -> str:
    memory = f"{info['memory_mb'] / 1024:.0f} GB" if info.get("memory_mb") else "? GB"
    return f"{info.get('nproc')} CPUs ({info.get('cpu_model') or 'unknown CPU'}), {memory}"


def write_result(mode: str, began: datetime, body: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{began.strftime('%Y%m%dT%H%M%SZ')}-{mode}.json"
    document = {"mode": mode, "started_at": began.isoformat(), "machine": machine(), **body}
    path.write_text(json.dumps(document, indent=2, default=str))
    return path


def cell(value: float | None, unit: str = " ms") -> str:
    return "-" if value is None else f"{value:.0f}{unit}"


def table(parts: list[Figures]) -> str:
    lines = [
        f"{'':30}{'C':>4}{'closed':>9}{'per s':>8}{'start p50':>11}{'p99':>9}"
        f"{'e2e p50':>10}{'p99':>9}"
    ]
    for f in parts:
        lines.append(
            f"{f.name:30}{f.concurrency:4d}{f'{f.closed}/{f.n}':>9}{f.per_second:8.2f}"
            f"{cell(f.start_p50_ms):>11}{cell(f.start_p99_ms):>9}"
            f"{cell(f.e2e_p50_ms):>10}{cell(f.e2e_p99_ms):>9}"
        )
        if f.e2e_less_wait_p50_ms is not None:
            lines.append(
                f"{'  less the late agency':30}{'':4}{'':9}{'':8}{'':11}{'':9}"
                f"{cell(f.e2e_less_wait_p50_ms):>10}{cell(f.e2e_less_wait_p99_ms):>9}"
            )
        others = {k: v for k, v in f.states.items() if k != "completed"}
        if others:
            lines.append(f"  states: {f.states}")
        if f.cpu_ms:
            spent = ", ".join(f"{role} {ms:.0f}" for role, ms in sorted(f.cpu_ms.items()))
            lines.append(f"  CPU ms per workflow: {sum(f.cpu_ms.values()):.0f} ({spent})")
        lines.extend(f"  error: {error}" for error in f.errors)
    return "\n".join(lines)
