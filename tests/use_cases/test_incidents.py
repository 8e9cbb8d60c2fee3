"""The incident queue from real journeys on the Temporal dev server: a step failed past its
SLA and one escalated, each under its agency and error, oldest first."""

import asyncio
from datetime import UTC, datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from core.models import JourneyStatus, StepStatus
from core.settings import get_settings
from tests.workflows.fakes import service_plan, start_journey
from use_cases.gateway import TemporalGateway
from use_cases.incidents import Incident, incident_queue, incidents_of
from workflows.agency_service import ESCALATED_REASON

AT = datetime(2026, 11, 26, tzinfo=UTC)


def test_only_failed_and_escalated_agency_steps_are_incidents() -> None:
    status = JourneyStatus(
        journey_id="j",
        life_event="birth",
        started_at=AT,
        steps=[
            StepStatus(id="identity", kind="identity", state="failed", updated_at=AT),
            StepStatus(id="a", kind="agency_service", agency="x", state="completed", updated_at=AT),
            StepStatus(
                id="b",
                kind="agency_service",
                agency="x",
                state="failed",
                outcome="submission_failed",
                reasons=["refused"],
                updated_at=AT,
            ),
            StepStatus(
                id="c",
                kind="agency_service",
                agency="y",
                state="waiting_for_agency",
                reasons=[f"Late. {ESCALATED_REASON}"],
                updated_at=AT,
            ),
            StepStatus(
                id="d", kind="agency_service", agency="y", state="waiting_for_agency", updated_at=AT
            ),
        ],
    )
    assert [(i.step_id, i.agency, i.error, i.reason) for i in incidents_of(status)] == [
        ("b", "x", "submission_failed", "refused"),
        ("c", "y", "escalated", f"Late. {ESCALATED_REASON}"),
    ]


async def test_the_queue_groups_real_incidents_by_agency_and_error(
    temporal_env: WorkflowEnvironment, engine_queue: str
) -> None:
    client = temporal_env.client
    gateway = TemporalGateway(client, get_settings())
    second = timedelta(seconds=1)
    failing = await start_journey(client, engine_queue, service_plan("late.fails", sla=second))
    escalating = await start_journey(
        client,
        engine_queue,
        service_plan("late.escalates", agency_id="revenue", sla=second, on_sla="escalate"),
    )
    try:
        await failing.result()
        mine: dict[tuple[str, str], list[Incident]] = {}
        for _ in range(100):  # visibility lags the journeys a little
            queue = await incident_queue(gateway)
            mine = {
                (g.agency, g.error): [
                    i for i in g.incidents if i.journey_id in (failing.id, escalating.id)
                ]
                for g in queue.groups
            }
            if mine.get(("health", "agency_timeout")) and mine.get(("revenue", "escalated")):
                break
            await asyncio.sleep(0.2)
        [failed] = mine[("health", "agency_timeout")]
        [escalated] = mine[("revenue", "escalated")]
        assert (failed.journey_id, failed.step_id) == (failing.id, "late.fails")
        assert (escalated.journey_id, escalated.step_id) == (escalating.id, "late.escalates")
        assert "JourneySlaBreached = true" in queue.query
        oldest = [g.oldest for g in queue.groups]
        assert oldest == sorted(oldest)
    finally:
        await escalating.terminate("test over")
