"""PNG plots of a sweep (throughput, and p50/p99 latency, against concurrency) and of a waiting
run (the worker's memory and Temporal's store against waiting journeys). matplotlib, the Agg
backend (no display), from the optional extra `bench`: `pip install -e '.[bench]'`.

Each plot names the machine and the date under it: a figure means nothing without them.
"""

from pathlib import Path
from typing import Any


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _series(sweep: list[dict[str, Any]], part: str, key: str) -> tuple[list[int], list[float]]:
    points = [
        (row["concurrency"], row[part][key])
        for row in sweep
        if row.get(part) and row[part].get(key) is not None
    ]
    return [c for c, _ in points], [v for _, v in points]


def _concurrency_axis(axis: Any, sweep: list[dict[str, Any]]) -> None:
    levels = sorted({row["concurrency"] for row in sweep})
    if levels and levels[-1] >= 10 * levels[0]:
        axis.set_xscale("log")
    axis.set_xticks(levels, [str(c) for c in levels])
    axis.set_xlabel("concurrency (workflows in flight)")


def _save(plt: Any, figure: Any, path: Path, footer: str) -> Path:
    figure.text(0.01, 0.01, footer, fontsize=7, color="#555555")
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def plot_sweep(sweep: list[dict[str, Any]], folder: Path, footer: str) -> list[Path]:
    plt = _pyplot()
    parts = [("journeys", "birth journeys (API)", "tab:blue"), ("bare", "bare shape", "tab:gray")]

    figure, axis = plt.subplots(figsize=(6, 4))
    for part, label, color in parts:
        xs, ys = _series(sweep, part, "per_second")
        if xs:
            axis.plot(xs, ys, marker="o", color=color, label=label)
    _concurrency_axis(axis, sweep)
    axis.set_ylabel("closed per second")
    axis.set_title("Throughput against concurrency")
    axis.set_ylim(bottom=0)
    axis.grid(alpha=0.3)
    axis.legend()
    paths = [_save(plt, figure, folder / "throughput.png", footer)]

    figure, (e2e, start) = plt.subplots(1, 2, figsize=(10, 4))
    for axis, prefix, title in (
        (e2e, "e2e", "End to end"),
        (start, "start", "Start (intake / start_workflow)"),
    ):
        for part, label, color in parts:
            for quantile, style in (("p50", "-"), ("p99", "--")):
                xs, ys = _series(sweep, part, f"{prefix}_{quantile}_ms")
                if xs:
                    axis.plot(xs, ys, style, marker="o", color=color, label=f"{label} {quantile}")
        _concurrency_axis(axis, sweep)
        axis.set_ylabel("ms")
        axis.set_title(title)
        axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    paths.append(_save(plt, figure, folder / "latency.png", footer))
    return paths


def plot_waiting(memory: list[dict[str, Any]], folder: Path, footer: str) -> list[Path]:
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6, 4))
    rss = [(p["journeys"], p["rss_mb"]) for p in memory if p.get("rss_mb") is not None]
    store = [(p["journeys"], p["store_mb"]) for p in memory if p.get("store_mb") is not None]
    if rss:
        axis.plot([x for x, _ in rss], [y for _, y in rss], marker=".", label="worker RSS")
    axis.set_xlabel("journeys waiting")
    axis.set_ylabel("worker RSS (MB)")
    axis.set_ylim(bottom=0)
    axis.grid(alpha=0.3)
    if store:
        twin = axis.twinx()
        xs, ys = [x for x, _ in store], [y for _, y in store]
        twin.plot(xs, ys, marker=".", color="tab:orange", label="Temporal store")
        twin.set_ylabel("temporal.db + WAL (MB)")
        twin.set_ylim(bottom=0)
    axis.set_title("Memory against waiting journeys")
    figure.legend(loc="upper left", bbox_to_anchor=(0.12, 0.88), fontsize=8)
    return [_save(plt, figure, folder / "memory.png", footer)]
