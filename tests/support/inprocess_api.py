"""The API in this process, on a Temporal client a test already has (the time-skipping server,
or the dev server) and a scratch SQLite database: for operators' actions, whose journeys a test
drives with the recording worker of ``tests/workflows/fakes.py``."""

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
from sqlalchemy import Engine
from temporalio.client import Client

from core.db import get_engine
from core.migrations import upgrade
from core.settings import get_settings
from server.app import create_app

OPERATOR = {"Authorization": "Bearer dev-operator-token"}  # OPERATOR_TOKENS' development default


@contextmanager
def scratch_database(folder: Path) -> Iterator[Engine]:
    """DATABASE_URL and DATA_DIR (the audit anchor) in ``folder`` while the block runs."""
    previous = {name: os.environ.get(name) for name in ("DATABASE_URL", "DATA_DIR")}
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'app.db'}"
    os.environ["DATA_DIR"] = str(folder)
    get_settings.cache_clear()
    get_engine.cache_clear()
    upgrade(get_engine())
    try:
        yield get_engine()
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()
        get_engine.cache_clear()


@asynccontextmanager
async def api_client(
    temporal: Client, base_url: str = "http://api.test"
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the API app, served in process (no lifespan: the client is given);
    the console's pages want an https ``base_url``, for their Secure cookies to travel."""
    app = create_app()
    app.state.temporal = temporal
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        yield client
