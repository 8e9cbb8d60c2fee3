"""The benchmark's smoke run (`python -m bench.run sweep --smoke`) against the suite's stack: it
runs, every journey and bare workflow closes, and the result file is well formed. No timing is
asserted: CI machines are shared and noisy."""

import json
import subprocess
import sys
from pathlib import Path

from tests.support.stack import Stack

ROOT = Path(__file__).resolve().parents[2]


def test_the_smoke_run_closes_everything_and_writes_a_well_formed_result(
    stack: Stack, tmp_path: Path
) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "sweep",
            "--smoke",
            "--no-plots",
            "--api",
            stack.api_url,
            "--temporal",
            stack.env["TEMPORAL_ADDRESS"],
            "--namespace",
            stack.env["TEMPORAL_NAMESPACE"],
            "--results",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr

    [path] = tmp_path.glob("*-sweep.json")
    result = json.loads(path.read_text())
    assert result["mode"] == "sweep"
    assert {"nproc", "cpu_model", "memory_mb", "temporalio"} <= set(result["machine"])
    assert [row["concurrency"] for row in result["sweep"]] == [1, 2]
    for row in result["sweep"]:
        for part in ("journeys", "bare"):
            figures = row[part]
            assert figures["closed"] == figures["n"] == 3, figures
            assert len(figures["e2e_ms"]) == 3 and figures["per_second"] > 0
            assert figures["start_p99_ms"] is not None
        assert row["throughput_ratio"] is not None
        # Where the CPU went, per process: the stack's own and the benchmark's.
        spent = row["journeys"]["cpu_ms"]
        assert {"temporal", "worker", "api", "agencies", "bench"} <= set(spent), spent
        assert spent["worker"] > 0, spent
    birth, bare = result["history"]["birth"], result["history"]["bare"]
    # The bare shape has a birth's counts: activities, local activities, children.
    for key in ("activities", "local_activities", "children"):
        assert birth["total"][key] == bare["total"][key], key
    assert birth["total"]["events"] > 0 and birth["total"]["bytes"] > 0
