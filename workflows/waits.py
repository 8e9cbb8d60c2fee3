"""Waiting durably for a condition, at most for a while: a timer in history, not a poll."""

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow


async def wait_for(condition: Callable[[], bool], timeout: timedelta | None) -> bool:
    """Wait for a condition, at most ``timeout`` (None: for ever); whether it came true."""
    try:
        await workflow.wait_condition(condition, timeout=timeout)
    except TimeoutError:
        return False
    return True


async def wait_until(condition: Callable[[], bool], deadline: datetime | None) -> bool:
    """Wait for a condition, at most until a deadline (None: none); whether it came true."""
    timeout = None if deadline is None else max(deadline - workflow.now(), timedelta(0))
    return await wait_for(condition, timeout)
