"""Bulk actions from the console (the Temporal dev server and its visibility, the recording
worker): the journeys list links the form with its filters; the form checked; the preview shows
the count and the exact query; confirming acts on each journey, with an outcome per journey and
an audit entry under the operator's name with the reason; a confirmation not the preview's is
refused and nothing is done."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from tests.use_cases.test_bulk_actions import (
    audited,
    database,
    days_from_today,
    recorder,
    waiting_journeys,
)
from tests.web.console.actions import REASON, signed_in_console
from tests.web.forms import hidden_fields
from tests.workflows.fakes import Recorder

__all__ = ["database", "recorder"]


@pytest.fixture
async def console(
    temporal_env: WorkflowEnvironment, database: Engine
) -> AsyncIterator[httpx.AsyncClient]:
    async with signed_in_console(temporal_env.client) as client:
        yield client


async def preview_when(
    console: httpx.AsyncClient, data: dict[str, str], count: int
) -> httpx.Response:
    """The preview page, once visibility (which lags a start) counts ``count`` journeys."""
    for _ in range(200):
        page = await console.post("/console/bulk/preview", data=data)
        assert page.status_code == 200, page.text
        if f"{count} journeys match" in page.text:
            return page
        await asyncio.sleep(0.1)
    raise AssertionError(f"visibility never counted {count}")


async def test_a_bulk_cancellation_is_previewed_then_applied_to_each_journey(
    temporal_env: WorkflowEnvironment,
    recorder: Recorder,
    console: httpx.AsyncClient,
    database: Engine,
) -> None:
    agency = f"bulk-{uuid.uuid4().hex[:8]}"
    journeys = await waiting_journeys(temporal_env.client, agency, 2)
    listed = await console.get("/console/journeys", params={"agency": agency})
    assert f'href="/console/bulk?agency={agency}"' in listed.text
    # Every filter of the list: a missed SLA (never: no value), a period they started in.
    period = {"started_from": days_from_today(-1), "started_to": days_from_today(1)}
    form = await console.get(
        "/console/bulk", params={"agency": agency, "sla_breached": "false", **period}
    )
    assert form.status_code == 200
    assert "An agency missed its time limit" in form.text and period["started_to"] in form.text
    fields = hidden_fields(form)
    assert fields["agency"] == agency and fields["sla_breached"] == "no"
    assert fields["started_from"] == period["started_from"]

    unchecked = await console.post("/console/bulk/preview", data={**fields, "kind": "resubmit"})
    assert unchecked.status_code == 422
    for anchor in ("step_id", "reason"):
        assert f'href="#{anchor}"' in unchecked.text
    assert (
        await console.post("/console/bulk/preview", data={"agency": agency, "kind": "cancel"})
    ).status_code == 403

    preview = await preview_when(console, {**fields, "kind": "cancel", "reason": REASON}, 2)
    assert f"JourneyAgencies = &#34;{agency}&#34;" in preview.text
    assert f"StartTime &lt; &#34;{days_from_today(2)}T00:00:00Z&#34;" in preview.text
    assert "Confirm and act on 2 journeys" in preview.text
    confirm = hidden_fields(preview)
    forged = await console.post("/console/bulk/execute", data={**confirm, "count": "1"})
    assert forged.status_code == 409 and "Nothing was done" in forged.text
    assert audited(database, "journey_cancelled", journeys) == []

    done = await console.post("/console/bulk/execute", data=confirm)
    assert done.status_code == 200, done.text
    assert "2 applied, 0 refused, of 2 journeys" in done.text
    assert done.text.index(journeys[0]) < done.text.index(journeys[1])  # oldest started first
    entries = audited(database, "journey_cancelled", journeys)
    assert sorted(e.journey_id or "" for e in entries) == sorted(journeys)
    assert {(e.actor, e.detail["reason"]) for e in entries} == {("operator:operator", REASON)}


async def test_the_preview_says_when_nothing_or_too_much_matches(
    temporal_env: WorkflowEnvironment, console: httpx.AsyncClient
) -> None:
    nothing = await console.post(
        "/console/bulk/preview",
        data={
            **hidden_fields(await console.get("/console/bulk")),
            "agency": f"nobody-{uuid.uuid4().hex[:8]}",
            "kind": "cancel",
            "reason": REASON,
        },
        headers={"Accept-Language": "fr"},
    )
    assert nothing.status_code == 200
    assert "Aucun parcours ne correspond" in nothing.text
    assert "/console/bulk/execute" not in nothing.text
