"""Agency submission by webhook: POST the request, read the decision or the promise of one.

- 200/201 with a decision body: the agency decided at once.
- 202: the agency accepted the request and will call back (the step then waits durably).
- 4xx other than 408/409/429: the agency says the request is invalid; retrying cannot help.
- anything else (5xx, time-out, refused connection): raised, so Temporal retries with backoff.
Every attempt carries the same ``webhook-id``, so the agency can deduplicate retries.
"""

import httpx
from pydantic import ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from lifeevents.models import AgencyDecision, DeliverWebhookInput, SubmissionResult

AGENCY_REJECTED_REQUEST = "AgencyRejectedRequest"
_RETRYABLE_4XX = {408, 409, 425, 429}


@activity.defn
async def deliver_webhook(request: DeliverWebhookInput) -> SubmissionResult:
    info = activity.info()
    timeout = info.start_to_close_timeout.total_seconds() if info.start_to_close_timeout else 30
    headers = {
        "webhook-id": request.idempotency_key,
        "Idempotency-Key": request.idempotency_key,
        "User-Agent": "lifeevents-orchestrator/0.1",
    }
    async with httpx.AsyncClient(timeout=max(timeout - 1, 1)) as client:
        response = await client.post(
            request.url,
            content=request.request.model_dump_json(),
            headers={**headers, "Content-Type": "application/json"},
        )
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
