"""Authoritative registries report events (CloudEvents 1.0, structured or binary mode); some start
a journey proactively."""

from fastapi import APIRouter, Request, Response, status

from api.cloud_events import CloudEvent, read_event
from api.deps import RegistryDep
from use_cases import registry_events
from use_cases.deps import GatewayDep, SessionDep, SettingsDep
from use_cases.registry_events import EventAccepted

router = APIRouter(prefix="/v1/registry-events", tags=["registries"])


_CE_HEADERS = [
    {
        "name": f"ce-{name}",
        "in": "header",
        "required": False,
        "description": f"Binary mode: the event's `{name}`{what}",
        "schema": {"type": "string", "maxLength": 500},
    }
    for name, what in (
        ("specversion", " (1.0); its presence selects binary mode"),
        ("id", ""),
        ("source", ""),
        ("type", ", e.g. vital-statistics.death.registered"),
        ("subject", " (optional)"),
        ("time", " (optional, RFC 3339)"),
    )
]
_EVENT_SCHEMA = CloudEvent.model_json_schema()
_EVENT = {
    "parameters": _CE_HEADERS,
    "requestBody": {
        "required": True,
        "description": "Structured mode: the whole event (this schema), as application/json or "
        "application/cloudevents+json. Binary mode: the event's data alone, as "
        "application/json, with its attributes in ce-* headers.",
        "content": {
            "application/json": {"schema": _EVENT_SCHEMA},
            "application/cloudevents+json": {"schema": _EVENT_SCHEMA},
        },
    },
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EventAccepted,
    responses={200: {"description": "This event (same source and id) was already received"}},
    openapi_extra=_EVENT,
)
async def report_registry_event(
    request: Request,
    _: RegistryDep,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    gateway: GatewayDep,
) -> EventAccepted:
    """A registry reports an event (CloudEvents 1.0, structured or binary content mode); a
    journey is offered to the person it names, once per source and id."""
    received = await read_event(request)
    event = received.event
    accepted, started = await registry_events.receive(
        session=session,
        settings=settings,
        gateway=gateway,
        event_type=event.type,
        source=event.source,
        event_id=event.id,
        data=event.data,
        data_at=received.data_at,
    )
    if not started:
        response.status_code = status.HTTP_200_OK  # redelivered: the same journey
    return accepted
