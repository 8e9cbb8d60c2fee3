"""The one handler that answers each domain error (``use_cases.errors``) over HTTP: an RFC 9457
problem (``api.problems``), with 422 details in FastAPI's own shape."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from api.problems import install_problem_handlers, problem
from core.registry import RegistryError
from use_cases.errors import (
    BulkNotConfirmed,
    DryRunTimedOut,
    FeedbackRefused,
    IdempotencyKeyReused,
    InvalidToken,
    JourneyNotFound,
    PageTokenRefused,
    ServiceNotFound,
    StaleRegistration,
    StatusUnavailable,
    StepNoLongerWaits,
    TooManyFailedIdentityChecks,
    UnknownLifeEvent,
    Unprocessable,
    UpdateRefused,
    value_error,
)

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
