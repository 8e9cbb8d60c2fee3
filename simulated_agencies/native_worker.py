"""Agencies that run their own Temporal worker, on their own task queue, answer here."""

from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from simulated_agencies.behaviour import decide
from simulated_agencies.registrations import (
    AGENCY_TASK_QUEUE,
    NATIVE_ACTIVITY,
    NATIVE_WITHDRAWAL,
    SimulatedService,
    simulated,
)
from simulated_agencies.store import AgencyStore


def _activities(service: SimulatedService, store: AgencyStore) -> list[Any]:
    @activity.defn(name=NATIVE_ACTIVITY.format(service_id=service.service_id))
    async def submit(request: dict[str, Any]) -> dict[str, Any]:
        info = activity.info()
        # The same key on every attempt of this activity: a retry is answered, not redone.
        key = f"{info.workflow_id}/submit/{request.get('round', 1)}"
        return store.receive(
            key=key, agency=service.agency, body=request, answer=decide(service, request, key)
        )

    @activity.defn(name=NATIVE_WITHDRAWAL.format(service_id=service.service_id))
    async def withdraw(notice: dict[str, Any]) -> None:
        store.receive(
            key=notice["idempotency_key"],
            agency=service.agency,
            body={**notice, "action": "withdraw"},
            answer={"status": "withdrawn"},
        )

    return [submit, withdraw] if service.withdraw else [submit]


def build_native_workers(client: Client, store: AgencyStore) -> list[Worker]:
    """One worker per native agency, on that agency's own task queue."""
    by_agency: dict[str, list[Any]] = {}
    for service in simulated().services:
        if service.mode == "task_queue":
            by_agency.setdefault(service.agency, []).extend(_activities(service, store))
    return [
        Worker(client, task_queue=AGENCY_TASK_QUEUE.format(agency=agency), activities=activities)
        for agency, activities in by_agency.items()
    ]
