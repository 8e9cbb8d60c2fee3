"""Agency submission by webhook: POST the request, read the decision or the promise of one.

- 200/201 with a decision body: the agency decided at once.
- 202: the agency accepted the request and will call back (the step then waits durably).
- 4xx other than 408/409/429: the agency says the request is invalid; retrying cannot help.
- anything else (5xx, time-out, refused connection): raised, so Temporal retries with backoff.
Every attempt carries the same ``webhook-id``, so the agency can deduplicate retries.

The URL is checked just before sending (lifeevents.urls): an address that is not allowed is a
non-retryable error, and the request goes to the very address that was checked. What an agency
writes back in free text (its message, an error body) may echo the person's data: it is
redacted before it enters the workflow's history, the journey's status or a log.
"""

import asyncio
from typing import Any

import httpx
from pydantic import ValidationError
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from lifeevents.credentials import signing_secrets
from lifeevents.db import get_engine
from lifeevents.logging import redact_text
from lifeevents.models import AgencyDecision, DeliverWebhookInput, SubmissionResult
from lifeevents.settings import get_settings
from lifeevents.urls import AgencyUrlError, UnresolvedHost, check_agency_url, parse_networks, pinned
from lifeevents.webhooks import signed_headers

AGENCY_REJECTED_REQUEST = "AgencyRejectedRequest"
AGENCY_URL_NOT_ALLOWED = "AgencyUrlNotAllowed"


async def checked_target(url: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Where to send a request for ``url``: resolved and checked now, pinned to that address.
    A refused address is non-retryable; a name that does not resolve may resolve later."""
    allowed = parse_networks(get_settings().agency_url_allowed_networks)
    try:
        addresses = await asyncio.to_thread(check_agency_url, url, allowed)
    except UnresolvedHost as error:
        raise ApplicationError(
            f"The agency's URL does not resolve: {error}", type="AgencyUnavailable"
        ) from error
    except AgencyUrlError as error:
        raise ApplicationError(
            f"The agency's URL is refused: {error}",
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
        raise ApplicationError(f"Agency '{agency_id}' has no signing secret", type="NoSecret")
    return {
        **signed_headers(secrets, msg_id, body),
        "Idempotency-Key": msg_id,
        "Content-Type": "application/json",
        "User-Agent": "lifeevents-orchestrator/0.1",
    }


_RETRYABLE_4XX = {408, 409, 425, 429}


@activity.defn
async def deliver_webhook(request: DeliverWebhookInput) -> SubmissionResult:
    info = activity.info()
    timeout = info.start_to_close_timeout.total_seconds() if info.start_to_close_timeout else 30
    url, host, extensions = await checked_target(request.url)
    body = request.request.model_dump_json().encode()
    headers = await signed(request.agency_id, request.idempotency_key, body)
    async with httpx.AsyncClient(timeout=max(timeout - 1, 1)) as client:
        response = await client.post(
            url, content=body, headers={**headers, **host}, extensions=extensions
        )
    personal = [request.request.data, request.request.information]
    if response.status_code == 202:
        return SubmissionResult(accepted=True)
    if response.status_code in (200, 201):
        try:
            decision = AgencyDecision.model_validate_json(response.content)
            if decision.message:
                decision.message = redact_text(decision.message, personal)
            return SubmissionResult(accepted=True, decision=decision)
        except ValidationError as error:
            # Not chained: pydantic's text quotes the body, which may echo personal data.
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['type']}" for e in error.errors()
            )
            raise ApplicationError(
                f"The agency answered {response.status_code} without a valid decision "
                f"({problems[:300]})",
                type="AgencyBadResponse",
            ) from None
    if 400 <= response.status_code < 500 and response.status_code not in _RETRYABLE_4XX:
        raise ApplicationError(
            f"The agency refused the request ({response.status_code}): "
            + _agency_message(response, personal),
            type=AGENCY_REJECTED_REQUEST,
            non_retryable=True,
        )
    raise ApplicationError(
        f"The agency is unavailable ({response.status_code}); will retry",
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
