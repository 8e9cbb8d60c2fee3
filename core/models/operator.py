"""What an operator tells a running journey, and what the journey passes on to one step.

Every action carries the operator's reason: required, bounded, and kept in the audit trail with
who gave it (the API writes the entry; the journey never sees the operator's name).
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from core.models.agency import AgencyDecision
from core.models.common import Model

Reason = Annotated[
    str,
    Field(min_length=3, max_length=500, description="Why: kept in the audit trail"),
]
StepId = Annotated[str, Field(min_length=1, max_length=100)]
RequestId = Annotated[str, Field(min_length=1, max_length=300)]
# An operator extends a request to the person by whole days, at most a quarter at a time.
MAX_EXTENSION_DAYS = 90
ResolutionAction = Literal["resubmit", "record_decision", "skip", "cancel_journey"]


class EscalationResolution(Model):
    """An operator resolves a step whose agency missed its SLA (the service escalates)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "step_id": "health.child-health-card",
                    "action": "record_decision",
                    "decision": "approved",
                    "reference": "HC-2231",
                    "reason": "The agency confirmed by phone (ticket 4411)",
                }
            ]
        },
    )

    step_id: StepId
    action: ResolutionAction = Field(
        description="resubmit: send to the agency again; record_decision: the decision the agency "
        "gave another way; skip: end the step without it; cancel_journey: cancel the whole journey"
    )
    decision: Literal["approved", "rejected"] | None = Field(
        default=None, description="With record_decision only: what the agency decided"
    )
    reference: str | None = Field(default=None, min_length=1, max_length=200)
    reason: Reason

    @model_validator(mode="after")
    def _decision_with_record_only(self) -> "EscalationResolution":
        if (self.action == "record_decision") != (self.decision is not None):
            raise ValueError("decision is required with record_decision, and only with it")
        if self.reference is not None and self.action != "record_decision":
            raise ValueError("reference goes with record_decision only")
        return self


class Resubmission(Model):
    """Send a step's request to its agency again (a new submission round, a new key)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"step_id": "health.child-health-card", "reason": "The agency lost the request"}
            ]
        },
    )

    step_id: StepId
    reason: Reason


class MessageResend(Model):
    """E-mail the person again what an open request asks of them (a fresh link with it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "request_id": "pension.survivor-benefit/information/1",
                    "reason": "The person called: the e-mail went to their spam folder",
                }
            ]
        },
    )

    request_id: RequestId
    reason: Reason


class DeadlineExtension(Model):
    """Give the person more time to answer an open request."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "request_id": "consent/health.child-health-card",
                    "days": 14,
                    "reason": "The person is in hospital until next week",
                }
            ]
        },
    )

    request_id: RequestId
    days: int = Field(ge=1, le=MAX_EXTENSION_DAYS)
    reason: Reason


class StepAction(Model):
    """What the journey passes on to a step's workflow after validating an operator's action."""

    kind: Literal["resubmit", "decide", "skip", "resend_request", "extend"]
    decision: AgencyDecision | None = None  # decide
    due_at: datetime | None = None  # extend: the request's new due date
