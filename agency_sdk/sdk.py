"""How the SDK turns plain functions into Temporal activities an agency's worker runs."""

import asyncio
import importlib
import json
import signal
from collections.abc import Awaitable, Callable, Iterable
from types import ModuleType
from typing import Any

import httpx
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from core.ids import callback_webhook_id
from core.models import AgencyDecision, AgencyRequest, WithdrawalInput
from core.settings import get_settings
from core.temporal import data_converter
from core.webhooks import signed_headers

ServiceFunction = Callable[[AgencyRequest], Awaitable[AgencyDecision | None]]
WithdrawalFunction = Callable[[WithdrawalInput], Awaitable[None]]
_MARK = "__agency_activity__"


def activity_name(service_id: str) -> str:
    """The activity name to register for a service (``delivery.activity``)."""
    return f"{service_id}.submit"


def withdrawal_activity_name(service_id: str) -> str:
    """The activity name to register for a service's withdrawals (``withdrawal.activity``)."""
    return f"{service_id}.withdraw"


def service(service_id: str) -> Callable[[ServiceFunction], ServiceFunction]:
    """Mark an async function as the implementation of one of your agency's services.

    It receives the request (only the fields you declared and the person consented to) and
    returns a decision, or None to decide later through ``request.callback_url``. Temporal
    retries it on failure; ``activity.info()`` gives a stable id to deduplicate retries.
    """

    def mark(function: ServiceFunction) -> ServiceFunction:
        @activity.defn(name=activity_name(service_id))
        async def submit(payload: dict[str, Any]) -> dict[str, Any]:
            decision = await function(AgencyRequest.model_validate(payload))
            return {} if decision is None else decision.model_dump(mode="json")

        setattr(function, _MARK, submit)
        return function

    return mark


def withdrawal(service_id: str) -> Callable[[WithdrawalFunction], WithdrawalFunction]:
    """Mark an async function as what to do when a person withdraws (cancels a journey)."""

    def mark(function: WithdrawalFunction) -> WithdrawalFunction:
        @activity.defn(name=withdrawal_activity_name(service_id))
        async def withdraw(payload: dict[str, Any]) -> None:
            await function(WithdrawalInput.model_validate(payload))

        setattr(function, _MARK, withdraw)
        return function

    return mark


def collect(source: ModuleType | Iterable[Any]) -> list[Callable[..., Any]]:
    """The activities of every marked function in a module (or an iterable of functions)."""
    items: Iterable[Any] = vars(source).values() if isinstance(source, ModuleType) else source
    return [getattr(item, _MARK) for item in items if hasattr(item, _MARK)]


def build_worker(client: Client, task_queue: str, functions: Iterable[Any]) -> Worker:
    activities = collect(functions)
    if not activities:
        raise ValueError("no function marked with @service or @withdrawal")
    return Worker(client, task_queue=task_queue, activities=activities)


async def run_worker(address: str, namespace: str, task_queue: str, module: str) -> None:
    """Run the marked functions of ``module`` on ``task_queue`` until SIGINT or SIGTERM."""
    functions = list(vars(importlib.import_module(module)).values())
    client = await Client.connect(
        address, namespace=namespace, data_converter=data_converter(get_settings())
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with build_worker(client, task_queue, functions):
        await stop.wait()


def callback_msg_id(callback_url: str, suffix: str = "decision") -> str:
    """The ``webhook-id`` a callback must be signed with: the callback id (the last segment of
    ``callback_url``), ``:`` and a suffix. Send every retry of one decision with the same one:
    the orchestrator acknowledges a repeated id as a duplicate and acts on it once."""
    return callback_webhook_id(callback_url.rstrip("/").rsplit("/", 1)[-1], suffix)


async def send_callback(
    request: AgencyRequest,
    decision: AgencyDecision,
    webhook_secret: str,
    msg_id: str | None = None,
) -> httpx.Response:
    """Post a later decision to the orchestrator, signed with your webhook secret. ``msg_id``
    defaults to ``callback_msg_id(request.callback_url)``; one of your own must be that too."""
    msg_id = msg_id or callback_msg_id(request.callback_url)
    body = json.dumps(decision.model_dump(mode="json", exclude={"round"})).encode()
    headers = {**signed_headers([webhook_secret], msg_id, body), "Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(request.callback_url, content=body, headers=headers)
