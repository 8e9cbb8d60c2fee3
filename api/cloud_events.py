"""A CloudEvents 1.0 event read from an HTTP request, in either content mode of the HTTP
binding: structured (the whole event as a JSON document in the body) or binary (the attributes
in ``ce-*`` headers, the data alone in the body), the latter through the ``cloudevents`` SDK.

Either way the event is then checked by one model, and every refusal is a 422 naming where the
fault is: ``["body", …]`` for the JSON document or the data, ``["header", "ce-id"]`` for a
binary-mode attribute.
"""

from datetime import datetime
from typing import Any, Literal

from cloudevents.core.bindings.http import HTTPMessage, from_binary
from cloudevents.core.exceptions import CloudEventValidationError
from cloudevents.core.formats.json import JSONFormat
from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.problems import field_errors
from use_cases.errors import Unprocessable

STRUCTURED = "application/cloudevents"
REQUIRED = ("specversion", "id", "source", "type")


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event (structured mode: this JSON document is the body)."""

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


class ReceivedEvent(BaseModel):
    event: CloudEvent
    # Where the event's data is in the request, for the 422s about it.
    data_at: list[str | int]


def is_binary(request: Request) -> bool:
    """Binary mode: a ``ce-specversion`` header, and a body that is not a structured event."""
    content_type = request.headers.get("content-type", "").strip().lower()
    return "ce-specversion" in request.headers and not content_type.startswith(STRUCTURED)


async def read_event(request: Request) -> ReceivedEvent:
    body = await request.body()
    if is_binary(request):
        return ReceivedEvent(event=_binary(dict(request.headers), body), data_at=["body"])
    try:
        return ReceivedEvent(event=CloudEvent.model_validate_json(body), data_at=["body", "data"])
    except ValidationError as error:
        raise Unprocessable(_located(error, lambda loc: ["body", *loc])) from error


def _binary(headers: dict[str, str], body: bytes) -> CloudEvent:
    # The SDK's own checks name the attribute; ours first, for every missing one at once.
    missing = [name for name in REQUIRED if not headers.get(f"ce-{name}")]
    if missing:
        raise Unprocessable(
            [
                {"loc": ["header", f"ce-{name}"], "msg": "Field required", "type": "missing"}
                for name in missing
            ]
        )
    try:
        event = from_binary(HTTPMessage(headers=headers, body=body), JSONFormat())
    except CloudEventValidationError as error:
        raise Unprocessable(
            [
                {
                    "loc": ["header", f"ce-{name}"],
                    "msg": "; ".join(map(str, faults)),
                    "type": "value_error",
                }
                for name, faults in error.errors.items()
            ]
        ) from error
    except (ValueError, OverflowError) as error:  # the one attribute it parses: ce-time
        raise Unprocessable(
            [{"loc": ["header", "ce-time"], "msg": "Not an RFC 3339 time", "type": "value_error"}]
        ) from error
    document = {**event.get_attributes(), "data": event.get_data()}
    try:
        return CloudEvent.model_validate(document)
    except ValidationError as error:
        raise Unprocessable(_located(error, _binary_location)) from error


def _binary_location(loc: list[str | int]) -> list[str | int]:
    if loc and loc[0] == "data":
        return ["body", *loc[1:]]
    return ["header", f"ce-{loc[0]}", *loc[1:]] if loc else ["header"]


def _located(error: ValidationError, where: Any) -> list[dict[str, Any]]:
    return [{**item, "loc": where(item["loc"])} for item in field_errors(error.errors())]
