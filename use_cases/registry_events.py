"""A registry's event: the life event it starts, the partial intake it carries, the offer to the
person it names, and the journey, started once per event."""

from datetime import UTC, datetime
from typing import Any

from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlmodel import Session

from core.catalog import LifeEventDefinition, get_catalog
from core.fields import get_path
from core.ids import journey_id_for_event
from core.models import ProactiveOffer
from core.plans import resolve_plan
from core.settings import Settings
from use_cases.errors import Unprocessable, schema_error_detail, value_error
from use_cases.gateway import TemporalGateway


class EventAccepted(BaseModel):
    journey_id: str
    status_url: str
    life_event: str


async def receive(
    *,
    session: Session,
    settings: Settings,
    gateway: TemporalGateway,
    event_type: str,
    source: str,
    event_id: str,
    data: dict[str, Any],
    data_at: list[str | int],
) -> tuple[EventAccepted, bool]:
    """Offer the event's journey to the person it names, and say whether this started it
    (False: a redelivery of the same event). ``data_at`` locates the data in the request, for
    422s: ``["body", "data"]`` in structured mode, ``["body"]`` in binary mode."""
    definition = _definition_for(event_type)
    assert definition.proactive is not None
    intake = _partial_intake(definition, data, data_at)
    journey_id = journey_id_for_event(source, event_id)
    offer = ProactiveOffer(
        event_type=event_type,
        event_source=source,
        due_at=datetime.now(UTC) + definition.proactive.confirm_within,
        life_event_title=definition.title,
    )
    plan = await run_in_threadpool(
        lambda: resolve_plan(
            session=session,
            definition=definition,
            intake=intake,
            journey_id=journey_id,
            callback_base_url=settings.public_base_url,
            offer=offer,
        )
    )
    started = await gateway.start_journey(plan)
    accepted = EventAccepted(
        journey_id=journey_id, status_url=f"/v1/journeys/{journey_id}", life_event=definition.type
    )
    return accepted, started


def _definition_for(event_type: str) -> LifeEventDefinition:
    for definition in get_catalog().values():
        if definition.proactive and definition.proactive.event_type == event_type:
            return definition
    raise Unprocessable(
        [value_error(["body", "type"], f"No journey starts on '{event_type}' events")]
    )


def _partial_intake(
    definition: LifeEventDefinition, data: dict[str, Any], data_at: list[str | int]
) -> dict[str, Any]:
    assert definition.proactive is not None
    intake: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for part, path in definition.proactive.intake.items():
        intake[part] = get_path(data, path)
        at = [*data_at, *path.split(".")]
        for error in definition.part_validator(part).iter_errors(intake[part]):
            errors.append(schema_error_detail(error, at))
    offer_to = get_path(data, definition.proactive.offer_to)
    at = [*data_at, *definition.proactive.offer_to.split(".")]
    contact: dict[str, Any] = {}
    if offer_to is not None and not isinstance(offer_to, dict):
        # A registry's mistake (a string where the person's contact belongs): its 422.
        errors.append({"loc": at, "msg": "Input should be an object", "type": "dict_type"})
    else:
        offer_to = offer_to or {}
        contact = {"email": offer_to.get("email"), "language": offer_to.get("language", "en")}
        for error in definition.part_validator("contact").iter_errors(contact):
            errors.append(schema_error_detail(error, at))
    if errors:
        raise Unprocessable(errors)
    intake["contact"] = contact
    return intake
