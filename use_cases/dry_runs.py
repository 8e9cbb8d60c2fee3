"""A dry run: one service on synthetic data through the real path, waited for."""

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from core.catalog import get_catalog
from core.ids import dry_run_id
from core.models import AgencyServiceInput
from core.plans import service_plan
from core.registry import ServiceRegistration
from core.settings import Settings
from core.synthetic import synthetic_intake
from core.tables import Agency
from use_cases.errors import Unprocessable
from use_cases.gateway import TemporalGateway
from use_cases.registrations import owned_service


class DryRunRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "life_event": "birth",
                    "data": {"child": {"given_name": "Test"}},
                    "timeout_seconds": 30,
                }
            ]
        }
    )

    life_event: str | None = Field(default=None, description="Default: the service's first")
    data: dict[str, Any] = Field(
        default_factory=dict, description="Your own test values, over the synthetic ones"
    )
    timeout_seconds: float = Field(default=30, gt=0, le=300)


class DryRunResult(BaseModel):
    service_id: str
    version: int
    outcome: str | None
    state: str
    reasons: list[str]
    reference: str | None
    # In order: what was sent to the agency ("sent"); what came back ("received": the HTTP
    # status, the time taken and the decision's fields), or how it failed ("failed": the kind
    # of failure, the HTTP status if any, the time taken); a later decision ("callback").
    # Never the text of an agency's answer: a dry run is not a way to read what a URL says.
    exchanges: list[dict[str, Any]]


async def dry_run(
    *,
    session: Session,
    settings: Settings,
    gateway: TemporalGateway,
    agency: Agency,
    service_id: str,
    request: DryRunRequest,
) -> DryRunResult:
    row = owned_service(session, agency.agency_id, service_id)
    registration = ServiceRegistration.model_validate(row.registration)
    life_event = request.life_event or registration.life_events[0]
    definition = get_catalog().get(life_event)
    if definition is None or life_event not in registration.life_events:
        raise Unprocessable(
            [
                {
                    "loc": ["body", "life_event"],
                    "type": "value_error",
                    "msg": f"'{life_event}' is not a life event of this service",
                }
            ]
        )
    rule_fields = [
        condition.field
        for rule in (registration.eligibility.all if registration.eligibility else [])
        for condition in rule.conditions()
    ]
    intake = synthetic_intake(definition, [*registration.fields, *rule_fields], request.data)
    # A dry run waits an hour at most, and fails rather than escalates past it.
    service = service_plan(
        row,
        agency,
        registration,
        sla=min(registration.sla, timedelta(hours=1)),
        on_sla="fail",
        consent=True,
    )
    outcome = await gateway.dry_run(
        AgencyServiceInput(
            journey_id=dry_run_id(),
            step_id=service_id,
            life_event=life_event,
            language="en",
            intake=intake,
            service=service,
            callback_base_url=settings.public_base_url,
            journey_started_at=datetime.now(UTC),
            dry_run=True,
        ),
        request.timeout_seconds,
    )
    return DryRunResult(
        service_id=service_id,
        version=row.version,
        outcome=outcome.outcome,
        state=outcome.state,
        reasons=outcome.reasons,
        reference=outcome.reference,
        exchanges=outcome.exchanges,
    )
