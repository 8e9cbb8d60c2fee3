"""What operators see of the agencies (read-only): each one's services and their versions, the
native workers polling each task queue now, and how its journeys fare (from visibility)."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from core import search_attributes
from core.tables import Agency, AgencyService, AgencyServiceVersion
from use_cases.gateway import TemporalGateway


@dataclass
class ServiceOverview:
    service_id: str
    title: dict[str, str]
    version: int
    versions: list[int]
    active: bool
    delivery: str  # "webhook" or "task_queue"
    task_queue: str | None
    live_workers: int | None = None  # task-queue services only


@dataclass
class AgencyOverview:
    agency_id: str
    name: str
    services: list[ServiceOverview]
    # Journeys that reached the agency (open ones, and closed ones within retention).
    journeys: int = 0
    ended_with_issues: int = 0
    sla_breached: int = 0
    escalated: int = 0
    queries: dict[str, str] = field(default_factory=dict)


def _service(row: AgencyService, versions: list[int]) -> ServiceOverview:
    registration: dict[str, Any] = row.registration
    delivery = registration.get("delivery") or {}
    return ServiceOverview(
        service_id=row.service_id,
        title=registration.get("title") or {},
        version=row.version,
        versions=versions,
        active=row.active,
        delivery=str(delivery.get("mode", "webhook")),
        task_queue=delivery.get("task_queue"),
    )


def registered_agencies(session: Session) -> list[AgencyOverview]:
    """Every agency with its services, from the registry (no Temporal yet)."""
    versions: dict[str, list[int]] = {}
    for version in session.exec(
        select(AgencyServiceVersion).order_by(col(AgencyServiceVersion.version))
    ):
        versions.setdefault(version.service_id, []).append(version.version)
    services: dict[str, list[ServiceOverview]] = {}
    for row in session.exec(select(AgencyService).order_by(col(AgencyService.service_id))):
        services.setdefault(row.agency_id, []).append(
            _service(row, versions.get(row.service_id, [row.version]))
        )
    return [
        AgencyOverview(agency.agency_id, agency.name, services.get(agency.agency_id, []))
        for agency in session.exec(select(Agency).order_by(col(Agency.agency_id)))
    ]


def agency_queries(agency_id: str) -> dict[str, str]:
    """The visibility queries behind an agency's figures (agency ids are registry codes)."""
    base = (
        'WorkflowType = "LifeEventJourney" AND '
        f'{search_attributes.JOURNEY_AGENCIES.name} = "{agency_id}"'
    )
    return {
        "journeys": base,
        "ended_with_issues": f"{base} AND {search_attributes.JOURNEY_STATE.name} = "
        '"completed_with_issues"',
        "sla_breached": f"{base} AND {search_attributes.JOURNEY_SLA_BREACHED.name} = true",
        "escalated": f"{base} AND {search_attributes.JOURNEY_ESCALATED.name} = true",
    }


async def with_live_figures(
    gateway: TemporalGateway, agencies: list[AgencyOverview]
) -> list[AgencyOverview]:
    """The agencies with their native workers polling now and their journeys' counts."""

    async def fill_agency(agency: AgencyOverview) -> None:
        agency.queries = agency_queries(agency.agency_id)
        counts = await asyncio.gather(
            *(gateway.count_journeys(query) for query in agency.queries.values())
        )
        figures = dict(zip(agency.queries, counts, strict=True))
        agency.journeys = figures["journeys"]
        agency.ended_with_issues = figures["ended_with_issues"]
        agency.sla_breached = figures["sla_breached"]
        agency.escalated = figures["escalated"]

    async def fill_service(service: ServiceOverview) -> None:
        if service.task_queue:
            service.live_workers = await gateway.live_pollers(service.task_queue)

    await asyncio.gather(
        *(fill_agency(agency) for agency in agencies),
        *(fill_service(service) for agency in agencies for service in agency.services),
    )
    return agencies
