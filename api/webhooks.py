"""What agencies receive from us (OpenAPI 3.1 ``webhooks``): documentation only, nothing here
serves a request. The orchestrator's activities send them (activities/submission.py,
activities/compensation.py), signed per Standard Webhooks."""

from typing import Annotated

from fastapi import APIRouter, Header
from pydantic import BaseModel, ConfigDict, Field

from api.openapi import operation_id
from core.models import AgencyDecision, AgencyRequest

webhooks = APIRouter(tags=["webhooks"], generate_unique_id_function=operation_id)

WebhookId = Annotated[
    str,
    Header(
        alias="webhook-id",
        description="The delivery's id: the same on every retry of one submission; "
        "deduplicate on it",
    ),
]
WebhookTimestamp = Annotated[
    int, Header(alias="webhook-timestamp", description="Unix seconds when it was signed")
]
WebhookSignature = Annotated[
    str,
    Header(
        alias="webhook-signature",
        description="Standard Webhooks signatures, space-separated (v1,<base64 HMAC-SHA256>); "
        "two while a signing secret is rotated",
    ),
]
IdempotencyKey = Annotated[
    str, Header(alias="Idempotency-Key", description="The same value as webhook-id")
]


class WithdrawalNotice(BaseModel):
    """The person cancelled their journey: undo what this request started, if you can."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "journey_id": "0b5c2f8e-…",
                    "service_id": "health.child-health-card",
                    "step_id": "health.child-health-card",
                    "idempotency_key": "0b5c2f8e-…/health.child-health-card/withdraw",
                    "reference": "HC-2026-0042",
                }
            ]
        }
    )

    journey_id: str
    service_id: str
    step_id: str
    idempotency_key: str = Field(description="The same on every retry of this notice")
    reference: str | None = Field(
        default=None, description="The reference you gave when you decided"
    )


@webhooks.post(
    "agency-request",
    response_model=AgencyDecision,
    responses={
        202: {"description": "You will decide later: POST the decision to callback_url"},
        400: {"description": "The request is invalid: the step fails, without retries"},
        503: {
            "description": "5xx, time-outs, refused connections, 408, 409, 425 and 429 are "
            "retried with backoff, within the service's retry policy"
        },
    },
)
def agency_request(
    body: AgencyRequest,
    webhook_id: WebhookId,
    webhook_timestamp: WebhookTimestamp,
    webhook_signature: WebhookSignature,
    idempotency_key: IdempotencyKey,
) -> None:
    """A journey reached your service (webhook delivery): POSTed to the registration's
    ``delivery.url``, with only the declared fields the person consented to in ``data``.
    Answer 200 with your decision, or 202 and call back later."""


@webhooks.post(
    "agency-withdrawal",
    status_code=200,
    responses={
        503: {"description": "Retried with backoff, with the same webhook-id"},
    },
)
def agency_withdrawal(
    body: WithdrawalNotice,
    webhook_id: WebhookId,
    webhook_timestamp: WebhookTimestamp,
    webhook_signature: WebhookSignature,
    idempotency_key: IdempotencyKey,
) -> None:
    """The person cancelled: POSTed to the registration's ``withdrawal.url`` (when it has one)
    for a request you already received. Any 2xx acknowledges it."""
