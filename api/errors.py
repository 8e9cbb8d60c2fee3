"""Domain errors the API's services and its Temporal gateway raise, and the one handler that
answers each: an RFC 9457 problem (``api.problems``), with 422 details in FastAPI's own shape."""

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from jsonschema.exceptions import ValidationError as SchemaValidationError

from api.problems import install_problem_handlers, problem
from lifeevents.registry import RegistryError

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


# --- Handlers --------------------------------------------------------------------------------


async def _unprocessable(request: Request, error: Unprocessable) -> JSONResponse:
    return problem(request, status.HTTP_422_UNPROCESSABLE_CONTENT, error.details)


async def _registry_error(request: Request, error: RegistryError) -> JSONResponse:
    detail = [value_error(["body", *error.loc], error.message)]
    return problem(request, status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


async def _unknown_life_event(request: Request, error: UnknownLifeEvent) -> JSONResponse:
    return problem(request, status.HTTP_404_NOT_FOUND, f"Unknown life event '{error.life_event}'")


async def _idempotency_key_reused(request: Request, error: IdempotencyKeyReused) -> JSONResponse:
    return problem(
        request,
        status.HTTP_409_CONFLICT,
        "This Idempotency-Key was already used for a different intake",
        type="idempotency-key-reused",
    )


async def _invalid_token(request: Request, error: InvalidToken) -> JSONResponse:
    return problem(
        request,
        status.HTTP_401_UNAUTHORIZED,
        "Invalid token",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def _service_not_found(request: Request, error: ServiceNotFound) -> JSONResponse:
    return problem(request, status.HTTP_404_NOT_FOUND, f"No service '{error.service_id}'")


async def _stale_registration(request: Request, error: StaleRegistration) -> JSONResponse:
    return problem(
        request,
        status.HTTP_412_PRECONDITION_FAILED,
        "The registration changed since you read it (If-Match does not name its current "
        "ETag): nothing was changed; read it again, then retry with its ETag",
        type="stale-registration",
        headers={"ETag": error.current_etag} if error.current_etag else None,
    )


async def _journey_not_found(request: Request, error: JourneyNotFound) -> JSONResponse:
    return problem(request, status.HTTP_404_NOT_FOUND, f"No journey '{error.journey_id}'")


async def _update_refused(request: Request, error: UpdateRefused) -> JSONResponse:
    return problem(request, status.HTTP_409_CONFLICT, error.message, type="journey-refused")


async def _page_token_refused(request: Request, error: PageTokenRefused) -> JSONResponse:
    return problem(
        request,
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [value_error(["query", "cursor"], "This cursor no longer works: start again without it")],
    )


async def _status_unavailable(request: Request, error: StatusUnavailable) -> JSONResponse:
    return problem(
        request,
        status.HTTP_503_SERVICE_UNAVAILABLE,
        "The journey's status is unavailable right now",
        type="status-unavailable",
    )


async def _step_no_longer_waits(request: Request, error: StepNoLongerWaits) -> JSONResponse:
    return problem(
        request, status.HTTP_409_CONFLICT, "This step no longer waits", type="step-no-longer-waits"
    )


async def _feedback_refused(request: Request, error: FeedbackRefused) -> JSONResponse:
    return problem(request, status.HTTP_409_CONFLICT, error.message, type=error.type)


async def _too_many_failed_identity_checks(
    request: Request, error: TooManyFailedIdentityChecks
) -> JSONResponse:
    return problem(
        request,
        status.HTTP_429_TOO_MANY_REQUESTS,
        "Too many identity checks failed lately for these details or from this address; "
        f"try again in {error.retry_after} seconds.",
        headers={"Retry-After": str(error.retry_after)},
        type="identity-checks-exhausted",
    )


async def _dry_run_timed_out(request: Request, error: DryRunTimedOut) -> JSONResponse:
    return problem(
        request,
        status.HTTP_504_GATEWAY_TIMEOUT,
        f"No decision within {error.timeout_seconds:g}s; "
        f"the dry run goes on as {error.workflow_id}",
        type="dry-run-timed-out",
    )


async def _bulk_not_confirmed(request: Request, error: BulkNotConfirmed) -> JSONResponse:
    return problem(request, status.HTTP_409_CONFLICT, error.message, type="bulk-not-confirmed")


_HANDLERS: dict[type[Exception], Callable[[Request, Any], Awaitable[JSONResponse]]] = {
    Unprocessable: _unprocessable,
    RegistryError: _registry_error,
    UnknownLifeEvent: _unknown_life_event,
    IdempotencyKeyReused: _idempotency_key_reused,
    InvalidToken: _invalid_token,
    ServiceNotFound: _service_not_found,
    JourneyNotFound: _journey_not_found,
    StaleRegistration: _stale_registration,
    UpdateRefused: _update_refused,
    StatusUnavailable: _status_unavailable,
    PageTokenRefused: _page_token_refused,
    StepNoLongerWaits: _step_no_longer_waits,
    DryRunTimedOut: _dry_run_timed_out,
    TooManyFailedIdentityChecks: _too_many_failed_identity_checks,
    FeedbackRefused: _feedback_refused,
    BulkNotConfirmed: _bulk_not_confirmed,
}


def install_handlers(app: FastAPI) -> None:
    """Problems for HTTP's and FastAPI's own errors, and one handler per domain error."""
    install_problem_handlers(app)
    for error, handler in _HANDLERS.items():
        app.add_exception_handler(error, handler)
