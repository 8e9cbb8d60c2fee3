"""Agencies that run their own Temporal worker, on their own task queue, written with the
agency SDK exactly as an agency team would write theirs."""

from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from agency_sdk import AgencyDecision, AgencyRequest, WithdrawalInput, build_worker
from agency_sdk import service as sdk_service
from agency_sdk import withdrawal as sdk_withdrawal
from simulated_agencies.behaviour import decide
from simulated_agencies.registrations import AGENCY_TASK_QUEUE, SimulatedService, simulated
from simulated_agencies.store import AgencyStore


def _functions(service: SimulatedService, store: AgencyStore) -> list[Any]:
    @sdk_service(service.service_id)
    async def submit(request: AgencyRequest) -> AgencyDecision:
        # The same key on every attempt of this activity: a retry is answered, not redone.
        key = f"{activity.info().workflow_id}/submit/{request.round}"
        body = request.model_dump(mode="json")
        answer = store.receive(
            key=key, agency=service.agency, body=body, answer=decide(service, body, key)
        )
        return AgencyDecision.model_validate(answer)

    @sdk_withdrawal(service.service_id)
    async def withdraw(notice: WithdrawalInput) -> None:
        store.receive(
            key=notice.idempotency_key,
            agency=service.agency,
            body={**notice.model_dump(mode="json"), "action": "withdraw"},
            answer={"status": "withdrawn"},
        )

    return [submit, withdraw] if service.withdraw else [submit]


def build_native_workers(client: Client, store: AgencyStore) -> list[Worker]:
    """One worker per native agency, on that agency's own task queue."""
    by_agency: dict[str, list[Any]] = {}
    for service in simulated().services:
        if service.mode == "task_queue":
            by_agency.setdefault(service.agency, []).extend(_functions(service, store))
    return [
        build_worker(client, AGENCY_TASK_QUEUE.format(agency=agency), functions)
        for agency, functions in by_agency.items()
    ]
