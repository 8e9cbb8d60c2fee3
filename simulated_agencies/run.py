"""Run the simulated agencies: the webhook app, the native worker, and the callback sender."""

import asyncio
import contextlib
import json

import httpx
import structlog
import uvicorn

from core.ids import callback_webhook_id
from core.settings import Settings
from core.temporal import connect
from core.webhooks import signed_headers
from simulated_agencies.app import create_agencies_app
from simulated_agencies.native_worker import build_native_workers
from simulated_agencies.seed import demo_credentials
from simulated_agencies.store import AgencyStore

log = structlog.get_logger(__name__)


async def send_due_decisions(
    store: AgencyStore, stop: asyncio.Event, webhook_secrets: dict[str, str]
) -> None:
    """Deliver promised decisions when due, signed; retried until the orchestrator takes them
    (every attempt with the same webhook-id, which the orchestrator deduplicates)."""
    async with httpx.AsyncClient(timeout=10) as client:
        while not stop.is_set():
            for key, agency, url, decision in store.due_decisions():
                body = json.dumps(decision).encode()
                secret = webhook_secrets[agency]
                # Bound to its callback: the callback id (the URL's last segment) and a suffix.
                msg_id = callback_webhook_id(url.rstrip("/").rsplit("/", 1)[-1])
                headers = {
                    **signed_headers([secret], msg_id, body),
                    "Content-Type": "application/json",
                }
                try:
                    response = await client.post(url, content=body, headers=headers)
                except httpx.HTTPError as error:
                    log.warning("callback failed, will retry", error=type(error).__name__)
                    continue
                if response.status_code < 500:
                    store.mark_sent(key)
                    log.info("callback sent", status=response.status_code)
            try:
                await asyncio.wait_for(stop.wait(), timeout=0.2)
            except TimeoutError:
                pass


async def run_agencies(settings: Settings) -> None:
    store = AgencyStore(settings.data_dir / "agencies.db")
    # Written by `lifeevents seed-demo`, which runs before the agencies start.
    secrets = {
        agency: credentials["webhook_secret"]
        for agency, credentials in demo_credentials(settings.data_dir).items()
    }
    app = create_agencies_app(
        store,
        settings.agency_decision_delay_seconds,
        secrets,
        inspection_token=settings.agencies_inspection_token,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=settings.agencies_host, port=settings.agencies_port, log_config=None
        )
    )
    client = await connect(settings)
    stop = asyncio.Event()
    async with contextlib.AsyncExitStack() as workers:
        for worker in build_native_workers(client, store):
            await workers.enter_async_context(worker)
        sender = asyncio.create_task(send_due_decisions(store, stop, secrets))
        log.info("simulated agencies started", url=settings.agencies_base_url)
        try:
            await server.serve()  # returns on SIGINT/SIGTERM (uvicorn handles them)
        finally:
            stop.set()
            await sender
