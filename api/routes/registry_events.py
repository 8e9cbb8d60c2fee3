"""Authoritative registries report events (CloudEvents 1.0); some start a journey proactively."""

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import GatewayDep, RegistryDep, SessionDep, SettingsDep
from api.services import registry_events
from api.services.registry_events import EventAccepted

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
    gateway: GatewayDep,
) -> EventAccepted:
    """A registry reports an event; a journey is offered to the person it names, once."""
    accepted, started = await registry_events.receive(
        session=session,
        settings=settings,
        gateway=gateway,
        event_type=event.type,
        source=event.source,
        event_id=event.id,
        data=event.data,
    )
    if not started:
        response.status_code = status.HTTP_200_OK  # redelivered: the same journey
    return accepted
