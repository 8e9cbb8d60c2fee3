"""Waiting in tests for something another process does: poll until it shows, or fail saying what."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    what: str, probe: Callable[[], T | None], timeout: float = 30, every: float = 0.05
) -> T:
    """The probe's first truthy answer, polled every ``every`` seconds for up to ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"never saw {what} within {timeout}s (last: {found!r})")
        time.sleep(every)
