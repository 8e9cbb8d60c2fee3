"""What a use case refuses, and why: the domain errors that the use cases and the gateway to
Temporal raise, and the 422 details they carry. Each face answers them its own way: the JSON API
as an RFC 9457 problem (``api.errors``), the pages as a page."""

import re
from collections.abc import Sequence
from typing import Any

from jsonschema.exceptions import ValidationError as SchemaValidationError

_QUOTED = re.compile(r"'([^']+)'")

# --- Domain errors ---------------------------------------------------------------------------


class Unprocessable(Exception):
    """Input that passed pydantic but not the rules checked after it (schemas, consistency)."""

    def __init__(self, details: list[dict[str, Any]]) -> None:
        super().__init__(details)
        self.details = details


class UnknownLifeEvent(Exception):
    def __init__(self, life_event: str) -> None:
        super().__init__(life_event)
        self.life_event = life_event


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was already used for a different intake."""


class InvalidToken(Exception):
    """A bearer token that does not verify (where one is optional but, if given, must)."""


class ServiceNotFound(Exception):
    """No such service, or one of another agency."""

    def __init__(self, service_id: str) -> None:
        super().__init__(service_id)
        self.service_id = service_id


class StaleRegistration(Exception):
    """If-Match named another version of the registration than the stored one."""

    def __init__(self, current_etag: str | None) -> None:
        super().__init__(current_etag)
        self.current_etag = current_etag


class JourneyNotFound(Exception):
    def __init__(self, journey_id: str) -> None:
        super().__init__(journey_id)
        self.journey_id = journey_id


class UpdateRefused(Exception):
    """The journey refused a citizen's update (its validator, or because it is over)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PageTokenRefused(Exception):
    """Temporal refused a page token it issued (expired, or from another cluster)."""


class StatusUnavailable(Exception):
    """Temporal did not answer for a journey's status."""


class StepNoLongerWaits(Exception):
    """An agency's decision arrived for a step that already ended."""


class FeedbackRefused(Exception):
    """A survey response not taken: the journey has not ended, or it answered already."""

    def __init__(self, message: str, type: str) -> None:
        super().__init__(message)
        self.message = message
        self.type = type


class BulkNotConfirmed(Exception):
    """A bulk action whose preview does not confirm it: another filter, action, operator or
    count, a forged or expired token, or journeys matching the filter changed since."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooManyFailedIdentityChecks(Exception):
    """Too many failed identity checks, for this national id or from this client, lately."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class DryRunTimedOut(Exception):
    def __init__(self, timeout_seconds: float, workflow_id: str) -> None:
        super().__init__(workflow_id)
        self.timeout_seconds = timeout_seconds
        self.workflow_id = workflow_id


# --- 422 details -----------------------------------------------------------------------------


def schema_error_detail(
    error: SchemaValidationError, at: Sequence[str | int] = ("body",)
) -> dict[str, Any]:
    """One JSON Schema error as {"loc", "msg", "type"}, located under ``at``; "required"
    points at the missing field."""
    loc: list[str | int] = [*at, *error.absolute_path]
    if error.validator == "required":
        missing = _QUOTED.search(error.message)
        if missing:
            loc.append(missing.group(1))
        return {"loc": loc, "msg": "Field required", "type": "missing"}
    if error.validator == "additionalProperties":
        extra = _QUOTED.search(error.message)
        if extra:
            loc.append(extra.group(1))
        return {"loc": loc, "msg": "Extra inputs are not permitted", "type": "extra_forbidden"}
    # Messages quote the offending value; keep personal data out of error bodies and logs.
    message = error.message
    if error.validator in ("pattern", "format", "maxLength", "minLength", "enum", "type"):
        message = _describe(error)
    return {"loc": loc, "msg": message, "type": str(error.validator)}


def _describe(error: SchemaValidationError) -> str:
    match error.validator:
        case "pattern":
            return f"String should match pattern '{error.validator_value}'"
        case "format":
            return f"Value is not a valid {error.validator_value}"
        case "maxLength":
            return f"String should have at most {error.validator_value} characters"
        case "minLength":
            return f"String should have at least {error.validator_value} characters"
        case "enum":
            return f"Input should be one of {error.validator_value}"
        case _:
            return f"Input should be of type {error.validator_value}"


def value_error(loc: Sequence[str | int], message: str) -> dict[str, Any]:
    return {"loc": list(loc), "msg": message, "type": "value_error"}
