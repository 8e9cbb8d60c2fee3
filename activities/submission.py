"""Agency submission by webhook: POST the request, read the decision or the promise of one.

- 200/201 with a decision body: the agency decided at once.
- 202: the agency accepted the request and will call back (the step then waits durably).
- 4xx other than 408/409/429: the agency says the request is invalid; retrying cannot help.
- anything else (5xx, time-out, refused connection): raised, so Temporal retries with backoff.
Every attempt carries the same ``webhook-id``, so the agency can deduplicate retries.
"""

import asyncio

import httpx
from pydantic import ValidationError
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from lifeevents.credentials import signing_secrets
from lifeevents.db import get_engine
from lifeevents.models import AgencyDecision, DeliverWebhookInput, SubmissionResult
from lifeevents.webhooks import signed_headers

AGENCY_REJECTED_REQUEST = "AgencyRejectedRequest"


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
    body = request.request.model_dump_json().encode()
    headers = await signed(request.agency_id, request.idempotency_key, body)
    async with httpx.AsyncClient(timeout=max(timeout - 1, 1)) as client:
        response = await client.post(request.url, content=body, headers=headers)
    if response.status_code == 202:
        return SubmissionResult(accepted=True)
    if response.status_code in (200, 201):
        try:
            return SubmissionResult(
                accepted=True, decision=AgencyDecision.model_validate_json(response.content)
            )
        except ValidationError as error:
            raise ApplicationError(
                f"The agency answered {response.status_code} without a valid decision",
                type="AgencyBadResponse",
            ) from error
    if 400 <= response.status_code < 500 and response.status_code not in _RETRYABLE_4XX:
        raise ApplicationError(
            f"The agency refused the request ({response.status_code}): {_agency_message(response)}",
            type=AGENCY_REJECTED_REQUEST,
            non_retryable=True,
        )
    raise ApplicationError(
        f"The agency is unavailable ({response.status_code}); will retry",
        type="AgencyUnavailable",
    )


def _agency_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("detail") or body)[:500]
    return str(body)[:500]
