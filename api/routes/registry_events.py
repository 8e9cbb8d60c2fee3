"""Authoritative registries report events (CloudEvents 1.0); some start a journey proactively."""

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import RegistryDep, SessionDep, SettingsDep, TemporalDep
from api.errors import schema_error_detail, unprocessable
from lifeevents.catalog import LifeEventDefinition, get_catalog
from lifeevents.fields import get_path
from lifeevents.ids import journey_id_for_event
from lifeevents.journeys import start_journey
from lifeevents.models import ProactiveOffer
from lifeevents.plans import resolve_plan
from lifeevents.registry import RegistryError

router = APIRouter(prefix="/v1/registry-events", tags=["registries"])


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event in structured JSON mode."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "specversion": "1.0",
                    "id": "death-2026-000123",
                    "source": "urn:registry:vital-statistics",
                    "type": "vital-statistics.death.registered",
                    "time": "2026-11-20T10:00:00Z",
                    "data": {
                        "deceased": {
                            "national_id": "567891234",
                            "given_name": "Eleanor",
                            "family_name": "Brown",
                            "birth_date": "1948-09-09",
                            "date_of_death": "2026-11-19",
                        },
                        "next_of_kin": {"email": "next.of.kin@example.org", "language": "en"},
                    },
                }
            ]
        },
    )

    specversion: Literal["1.0"]
    id: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=500)
    type: str = Field(min_length=1, max_length=200)
    subject: str | None = Field(default=None, max_length=500)
    time: datetime | None = None
    datacontenttype: str | None = None
    data: dict[str, Any]


class EventAccepted(BaseModel):
    journey_id: str
    status_url: str
    life_event: str


def _definition_for(event_type: str) -> LifeEventDefinition:
    for definition in get_catalog().values():
        if definition.proactive and definition.proactive.event_type == event_type:
            return definition
    raise unprocessable(
        [
            {
                "loc": ["body", "type"],
                "msg": f"No journey starts on '{event_type}' events",
                "type": "value_error",
            }
        ]
    )


def _partial_intake(definition: LifeEventDefinition, data: dict[str, Any]) -> dict[str, Any]:
    assert definition.proactive is not None
    intake: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for part, path in definition.proactive.intake.items():
        intake[part] = get_path(data, path)
        for error in definition.part_validator(part).iter_errors(intake[part]):
            detail = schema_error_detail(error)
            detail["loc"] = ["body", "data", *path.split("."), *detail["loc"][1:]]
            errors.append(detail)
    offer_to = get_path(data, definition.proactive.offer_to) or {}
    contact = {"email": offer_to.get("email"), "language": offer_to.get("language", "en")}
    for error in definition.part_validator("contact").iter_errors(contact):
        detail = schema_error_detail(error)
        detail["loc"] = [
            "body",
            "data",
            *definition.proactive.offer_to.split("."),
            *detail["loc"][1:],
        ]
        errors.append(detail)
    if errors:
        raise unprocessable(errors)
    intake["contact"] = contact
    return intake


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EventAccepted,
    responses={200: {"description": "This event (same source and id) was already received"}},
)
async def receive_event(
    event: CloudEvent,
    _: RegistryDep,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> EventAccepted:
    """A registry reports an event; a journey is offered to the person it names, once."""
    definition = _definition_for(event.type)
    assert definition.proactive is not None
    intake = _partial_intake(definition, event.data)
    journey_id = journey_id_for_event(event.source, event.id)
    offer = ProactiveOffer(
        event_type=event.type,
        event_source=event.source,
        due_at=datetime.now(UTC) + definition.proactive.confirm_within,
        life_event_title=definition.title,
    )
    try:
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
    except RegistryError as error:
        raise unprocessable(
            [{"loc": ["body", *error.loc], "msg": error.message, "type": "value_error"}]
        ) from error
    if not await start_journey(temporal, settings, plan):
        response.status_code = status.HTTP_200_OK  # redelivered: the same journey
    return EventAccepted(
        journey_id=journey_id, status_url=f"/v1/journeys/{journey_id}", life_event=definition.type
    )
