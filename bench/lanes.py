"""The closed loop (C lanes, each starting the next workflow when its last one closed) and a
one-line progress bar with the rate and the time left, redrawn in place with a carriage return.
"""

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TextIO, TypeVar

T = TypeVar("T")


class Progress:
    """`label [#####.....] 40/100  12.3/s  ETA 5s`, on stderr, redrawn at most 10 times a second.

    Without a terminal (CI, a pipe) it prints a line at every tenth of the way instead.
    """

    WIDTH = 24

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream or sys.stderr
        self.began = time.perf_counter()
        self._drawn_at = 0.0
        self._tty = self.stream.isatty()
        self._next_tenth = 1
        self.extra = ""

    def advance(self, by: int = 1) -> None:
        self.done += by
        now = time.perf_counter()
        if self._tty and (now - self._drawn_at >= 0.1 or self.done >= self.total):
            self._drawn_at = now
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.stream.flush()
        elif not self._tty and self.done * 10 >= self._next_tenth * self.total:
            self._next_tenth = self.done * 10 // self.total + 1
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def line(self) -> str:
        elapsed = time.perf_counter() - self.began
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else None
        filled = self.WIDTH * min(self.done, self.total) // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        eta = "?" if left is None else _duration(left)
        extra = f"  {self.extra}" if self.extra else ""
        return (
            f"{self.label} [{bar}] {self.done}/{self.total}  {rate:.1f}/s  "
            f"ETA {eta}  ({_duration(elapsed)}){extra}"
        )

    def close(self) -> None:
        if self._tty:
            self.stream.write("\r" + self.line() + "\x1b[K\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


async def closed_loop(
    n: int,
    concurrency: int,
    one: Callable[[int], Awaitable[T]],
    progress: Progress | None = None,
) -> tuple[list[T], float]:
    """Run `one(i)` for i < n on `concurrency` lanes; the results in order, and the wall time."""
    indices = iter(range(n))
    results: dict[int, T] = {}

    async def lane() -> None:
        for index in indices:  # shared by the lanes: each index is taken once
            results[index] = await one(index)
            if progress is not None:
                progress.advance()

    began = time.perf_counter()
    try:
        await asyncio.gather(*(lane() for _ in range(max(1, min(concurrency, n)))))
    finally:
        if progress is not None:
            progress.close()
    return [results[i] for i in sorted(results)], time.perf_counter() - began


async def bounded(limit: int, jobs: list[Awaitable[None]]) -> None:
    """Await the jobs, at most `limit` at a time."""
    gate = asyncio.Semaphore(limit)

    async def run(job: Awaitable[None]) -> None:
        async with gate:
            await job

    await asyncio.gather(*(run(job) for job in jobs))
