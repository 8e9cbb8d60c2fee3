"""The agencies as operators see them: the demo registry's services and versions, a native
agency's worker polling its task queue on the Temporal dev server, counts from visibility."""

import asyncio
import uuid

from sqlmodel import Session
from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from core.db import get_engine
from core.settings import get_settings
from simulated_agencies.seed import seed_demo_data
from use_cases.agency_overview import agency_queries, registered_agencies, with_live_figures
from use_cases.gateway import TemporalGateway


@activity.defn(name="nothing")
async def nothing() -> None:
    return None


def test_an_agencys_figures_come_from_queries_on_its_code() -> None:
    queries = agency_queries("health")
    assert queries["journeys"].endswith('JourneyAgencies = "health"')
    assert queries["sla_breached"].endswith("JourneySlaBreached = true")


async def test_services_versions_live_workers_and_counts(
    temporal_env: WorkflowEnvironment, engine_queue: str
) -> None:
    with Session(get_engine()) as session:
        seed_demo_data(session, get_settings())
        agencies = {a.agency_id: a for a in registered_agencies(session)}
    social = agencies["social-insurance"]
    [number] = [s for s in social.services if s.service_id == "social-insurance.child-number"]
    assert (number.delivery, number.version, number.versions) == ("task_queue", 1, [1])
    assert number.task_queue
    # This agency's own worker polls its task queue (on a namespace-wide name: one of ours).
    number.task_queue = f"{number.task_queue}-{uuid.uuid4().hex}"
    gateway = TemporalGateway(temporal_env.client, get_settings())
    async with Worker(temporal_env.client, task_queue=number.task_queue, activities=[nothing]):
        for _ in range(50):  # until the worker's first poll reaches the server
            filled = await with_live_figures(gateway, [social, agencies["health"]])
            if number.live_workers:
                break
            await asyncio.sleep(0.1)
    assert number.live_workers == 1
    webhook = next(s for s in agencies["health"].services if s.delivery == "webhook")
    assert webhook.live_workers is None
    assert all(a.journeys >= a.sla_breached >= 0 for a in filled)
    assert set(filled[0].queries) == {"journeys", "ended_with_issues", "sla_breached", "escalated"}
