"""What the tests of the console's actions share: the app in process on the time-skipping server
(the recording worker of tests/workflows/fakes.py drives the journeys), an operator signed in,
and a journey's page opened with a reason."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from core.tables import AuditEntry
from tests.support.inprocess_api import api_client
from tests.web.forms import hidden_fields

REASON = "The agency confirmed by phone (ticket 4411)"


@asynccontextmanager
async def signed_in_console(temporal: Client) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of the console, signed in as ``operator``."""
    async with api_client(temporal, "https://console.test") as client:
        await sign_in(client)
        yield client


@pytest.fixture
async def console(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[httpx.AsyncClient]:
    async with signed_in_console(time_skipping_env.client) as client:
        yield client


async def sign_in(client: httpx.AsyncClient, name: str = "operator") -> None:
    form = await client.get("/console/sign-in")
    answer = await client.post(
        "/console/sign-in",
        data={**hidden_fields(form), "name": name, "token": "dev-operator-token"},
    )
    assert answer.status_code == 303, answer.text


async def open_journey(client: httpx.AsyncClient, journey_id: str) -> httpx.Response:
    asked = await client.get(f"/console/journeys/{journey_id}")
    page = await client.post(
        f"/console/journeys/{journey_id}",
        data={**hidden_fields(asked), "reason": "Checking the escalation queue"},
    )
    assert page.status_code == 200, page.text
    return page


def audit_entries(engine: Engine, action: str, journey_id: str | None = None) -> list[AuditEntry]:
    with Session(engine) as session:
        query = select(AuditEntry).where(AuditEntry.action == action)
        if journey_id is not None:
            query = query.where(AuditEntry.journey_id == journey_id)
        return list(session.exec(query).all())
