"""The simulated agencies as data (``services.yaml``) and the registrations they make from it:
the same documents an integrator would POST to ``/v1/agencies/{agency_id}/services``."""

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field

from agency_sdk import activity_name, withdrawal_activity_name
from core.models import LocalizedText, Model, PaymentTerms, ServiceBurden
from core.registry import AgencyCreate, ServiceRegistration

AGENCY_TASK_QUEUE = "agency-{agency}"


class SimulatedService(Model):
    service_id: str
    agency: str
    title: LocalizedText
    life_events: list[str]
    fields: list[str]
    mode: Literal["webhook", "task_queue"] = "webhook"
    behaviour: Literal["now", "later", "ask"] = "now"
    reference: str
    message: str | None = None
    asks: list[str] = Field(default_factory=list)
    ask_message: str | None = None
    payment: PaymentTerms | None = None
    withdraw: bool = False
    eligibility: dict[str, Any] | None = None
    sla: str = "P5D"
    burden: ServiceBurden | None = None


class SimulatedAgencies(Model):
    agencies: dict[str, LocalizedText]
    services: list[SimulatedService]

    def service(self, service_id: str) -> SimulatedService | None:
        return next((s for s in self.services if s.service_id == service_id), None)


@lru_cache
def simulated() -> SimulatedAgencies:
    raw = yaml.safe_load((Path(__file__).parent / "services.yaml").read_text(encoding="utf-8"))
    return SimulatedAgencies.model_validate(raw)


def demo_agencies() -> list[AgencyCreate]:
    return [AgencyCreate(agency_id=key, name=name.en) for key, name in simulated().agencies.items()]


def registration(service: SimulatedService, agencies_base_url: str) -> ServiceRegistration:
    base = f"{agencies_base_url.rstrip('/')}/agencies/{service.service_id}"
    task_queue = AGENCY_TASK_QUEUE.format(agency=service.agency)
    delivery: dict[str, Any] = (
        {"mode": "webhook", "url": base}
        if service.mode == "webhook"
        else {
            "mode": "task_queue",
            "task_queue": task_queue,
            "activity": activity_name(service.service_id),
        }
    )
    withdrawal: dict[str, Any] | None = None
    if service.withdraw:
        withdrawal = (
            {"mode": "webhook", "url": f"{base}/withdraw"}
            if service.mode == "webhook"
            else {
                "mode": "task_queue",
                "task_queue": task_queue,
                "activity": withdrawal_activity_name(service.service_id),
            }
        )
    return ServiceRegistration.model_validate(
        {
            "service_id": service.service_id,
            "title": service.title,
            # The agency's name in both languages: pages and e-mails use the person's.
            "agency_name": simulated().agencies[service.agency],
            "life_events": service.life_events,
            "fields": service.fields,
            "delivery": delivery,
            "withdrawal": withdrawal,
            "eligibility": service.eligibility,
            "pays": service.payment is not None,
            "payment": service.payment,
            "sla": service.sla,
            "burden": service.burden,
            # A simulated agency answers in milliseconds: a stuck attempt is retried quickly.
            "retry": {"attempt_timeout_seconds": 10},
        }
    )


def demo_services(agencies_base_url: str) -> dict[str, list[ServiceRegistration]]:
    """Registrations per agency id. ``agencies_base_url`` is where the simulator listens."""
    by_agency: dict[str, list[ServiceRegistration]] = {key: [] for key in simulated().agencies}
    for service in simulated().services:
        by_agency[service.agency].append(registration(service, agencies_base_url))
    return by_agency
