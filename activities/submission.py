"""Agency submission by webhook: POST the request, read the decision or the promise of one.

- 200/201 with a decision body: the agency decided at once.
- 202: the agency accepted the request and will call back (the step then waits durably).
- 4xx other than 408/409/429: the agency says the request is invalid; retrying cannot help.
- anything else (5xx, time-out, refused connection): raised, so Temporal retries with backoff.
Every attempt carries the same ``webhook-id``, so the agency can deduplicate retries.

Every failure says what happened in its details, for dry runs: ``{"failure": <kind>, "status":
<HTTP status or None>, "elapsed_ms": <the attempt's time>}`` (kinds: FAILURE_KINDS). A dry run
reports those and never the message, which may quote the agency's answer.

The URL is checked just before sending (core.urls): an address that is not allowed is a
non-retryable error, and the request goes to the very address that was checked. What an agency
writes back in free text (its message, an error body) may echo the person's data: it is
redacted before it enters the workflow's history, the journey's status or a log.
"""

import asyncio
import functools
import ssl
import time
from typing import Any

import httpx
from pydantic import ValidationError
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core import delivery_log, tracing
from core.credentials import signing_secrets
from core.db import get_engine
from core.ids import is_journey_id
from core.logging import redact_text
from core.models import AgencyDecision, DeliverWebhookInput, SubmissionResult
from core.settings import get_settings
from core.tables import DeliveryAttempt
from core.urls import AgencyUrlError, UnresolvedHost, check_agency_url, parse_networks, pinned
from core.webhooks import signed_headers

AGENCY_REJECTED_REQUEST = "AgencyRejectedRequest"
AGENCY_URL_NOT_ALLOWED = "AgencyUrlNotAllowed"
# What can go wrong with a submission, as a dry run reports it (with the HTTP status, if any).
FAILURE_KINDS = (
    "rejected",  # 4xx: the agency says the request is invalid
    "unavailable",  # 5xx, 408, 409, 425, 429
    "bad_response",  # 200/201 without a valid decision
    "refused",  # the connection was refused
    "timed_out",
    "tls",  # the TLS handshake failed (certificate, protocol)
    "connection_lost",  # reset or closed mid-exchange
    "protocol",  # not HTTP
    "network",  # any other transport failure
    "unresolved",  # the host name does not resolve
    "url_not_allowed",
    "no_secret",
)


def _facts(failure: str, status: int | None = None, started: float | None = None) -> dict[str, Any]:
    elapsed = None if started is None else round((time.monotonic() - started) * 1000)
    return {"failure": failure, "status": status, "elapsed_ms": elapsed}


def _transport_failure(error: httpx.TransportError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timed_out"
    if isinstance(error, httpx.ProtocolError):
        return "protocol"
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return "tls"
        if isinstance(seen, ConnectionRefusedError):
            return "refused"
        if isinstance(seen, ConnectionResetError | BrokenPipeError):
            return "connection_lost"
        seen = seen.__cause__ or seen.__context__
    if isinstance(error, httpx.ConnectError):
        return "refused"
    if isinstance(error, httpx.ReadError | httpx.WriteError):
        return "connection_lost"
    return "network"


async def checked_target(url: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Where to send a request for ``url``: resolved and checked now, pinned to that address.
    A refused address is non-retryable; a name that does not resolve may resolve later."""
    allowed = parse_networks(get_settings().agency_url_allowed_networks)
    try:
        addresses = await asyncio.to_thread(check_agency_url, url, allowed)
    except UnresolvedHost as error:
        raise ApplicationError(
            f"The agency's URL does not resolve: {error}",
            _facts("unresolved"),
            type="AgencyUnavailable",
        ) from error
    except AgencyUrlError as error:
        raise ApplicationError(
            f"The agency's URL is refused: {error}",
            _facts("url_not_allowed"),
            type=AGENCY_URL_NOT_ALLOWED,
            non_retryable=True,
        ) from error
    return pinned(url, addresses[0])


def _secrets(agency_id: str) -> list[str]:
    with Session(get_engine()) as session:
        return signing_secrets(session=session, agency_id=agency_id)


async def signed(agency_id: str, msg_id: str, body: bytes) -> dict[str, str]:
    """Headers for a request to an agency: Standard Webhooks signature and idempotency key."""
    secrets = await asyncio.to_thread(_secrets, agency_id)
    if not secrets:
        raise ApplicationError(
            f"Agency '{agency_id}' has no signing secret", _facts("no_secret"), type="NoSecret"
        )
    return {
        **signed_headers(secrets, msg_id, body),
        "Idempotency-Key": msg_id,
        "Content-Type": "application/json",
        "User-Agent": "lifeevents-orchestrator/0.1",
    }


_RETRYABLE_4XX = {408, 409, 425, 429}


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process, shared by every request: building one loads the CA bundle,
    which cost more CPU than the whole HTTP exchange with an agency."""
    return httpx.create_ssl_context()


def agency_client(timeout: float) -> httpx.AsyncClient:
    """A client for one request to an agency. Never a pooled one shared across requests: each
    request goes to the address just checked, with its own TLS server name."""
    return httpx.AsyncClient(timeout=timeout, verify=_tls_context())


@activity.defn
async def deliver_webhook(request: DeliverWebhookInput) -> SubmissionResult:
    """Submit to the agency once (Temporal retries), and log the attempt in the delivery log."""
    try:
        result = await _deliver(request)
    except ApplicationError as error:
        facts = error.details[0] if error.details and isinstance(error.details[0], dict) else {}
        await _log(
            request, facts.get("failure") or "error", facts.get("status"), facts.get("elapsed_ms")
        )
        raise
    except Exception:
        await _log(request, "error", None, None)
        raise
    decision = result.decision.decision if result.decision else None
    outcome = "decided" if decision else "accepted"
    await _log(request, outcome, result.status, result.elapsed_ms, decision)
    return result


async def _log(
    request: DeliverWebhookInput,
    outcome: str,
    status: int | None,
    elapsed_ms: int | None,
    decision: str | None = None,
) -> None:
    if not is_journey_id(request.journey_id):
        return  # a dry run: synthetic data, not a delivery
    entry = DeliveryAttempt(
        journey_id=request.journey_id,
        agency_id=request.agency_id,
        service_id=request.request.service_id,
        round=request.request.round,
        kind="submission",
        attempt=activity.info().attempt,
        outcome=outcome,
        status_code=status,
        decision=decision,
        elapsed_ms=elapsed_ms,
    )

    def write() -> None:
        with Session(get_engine()) as session:
            delivery_log.record(session, entry)

    await asyncio.to_thread(write)


async def _deliver(request: DeliverWebhookInput) -> SubmissionResult:
    info = activity.info()
    timeout = info.start_to_close_timeout.total_seconds() if info.start_to_close_timeout else 30
    url, host, extensions = await checked_target(request.url)
    body = request.request.model_dump_json().encode()
    headers = await signed(request.agency_id, request.idempotency_key, body)
    started = time.monotonic()
    agency_host = httpx.URL(request.url).host
    service_id = request.request.service_id
    with tracing.agency_request_span("POST", agency_host, service_id, headers) as span:
        try:
            async with agency_client(max(timeout - 1, 1)) as client:
                response = await client.post(
                    url, content=body, headers={**headers, **host}, extensions=extensions
                )
        except httpx.TransportError as error:
            failure = _transport_failure(error)
            raise ApplicationError(
                f"The agency could not be reached ({failure}); will retry",
                _facts(failure, None, started),
                type="AgencyUnavailable",
            ) from error
        tracing.record_status(span, response.status_code)
    status = response.status_code
    elapsed_ms = round((time.monotonic() - started) * 1000)
    personal = [request.request.data, request.request.information]
    if status == 202:
        return SubmissionResult(accepted=True, status=status, elapsed_ms=elapsed_ms)
    if status in (200, 201):
        try:
            decision = AgencyDecision.model_validate_json(response.content)
            if decision.message:
                decision.message = redact_text(decision.message, personal)
            return SubmissionResult(
                accepted=True, decision=decision, status=status, elapsed_ms=elapsed_ms
            )
        except ValidationError as error:
            # Not chained: pydantic's text quotes the body, which may echo personal data.
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['type']}" for e in error.errors()
            )
            raise ApplicationError(
                f"The agency answered {status} without a valid decision ({problems[:300]})",
                _facts("bad_response", status, started),
                type="AgencyBadResponse",
            ) from None
    if 400 <= status < 500 and status not in _RETRYABLE_4XX:
        raise ApplicationError(
            f"The agency refused the request ({status}): " + _agency_message(response, personal),
            _facts("rejected", status, started),
            type=AGENCY_REJECTED_REQUEST,
            non_retryable=True,
        )
    raise ApplicationError(
        f"The agency is unavailable ({status}); will retry",
        _facts("unavailable", status, started),
        type="AgencyUnavailable",
    )


def _agency_message(response: httpx.Response, personal: Any) -> str:
    """The agency's own words about a refusal, redacted (before cutting, so that no value is
    cut in half past recognition), at most 500 characters."""
    try:
        body = response.json()
    except ValueError:
        text = response.text
    else:
        text = (
            str(body.get("message") or body.get("detail") or body)
            if isinstance(body, dict)
            else str(body)
        )
    return redact_text(text[:5000], personal)[:500]
