"""Where a journey stands: its steps, the requests waiting on the person, and step outcomes."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from core.models.common import LocalizedText, Model
from core.models.plan import DeadlinePlan

JourneyState = Literal[
    "running", "waiting_for_citizen", "completed", "completed_with_issues", "failed", "cancelled"
]
StepState = Literal[
    "pending",
    "running",
    "waiting_for_agency",
    "waiting_for_citizen",
    "completed",
    "not_eligible",
    "failed",
    "cancelled",
    "skipped",
]
FINAL_STEP_STATES: frozenset[str] = frozenset(
    {"completed", "not_eligible", "failed", "cancelled", "skipped"}
)
# Why a step ended as it did (the state says how it ended; the outcome says why).
StepOutcomeCode = Literal[
    "verified",
    "approved",
    "rejected",
    "needs_information",
    "not_eligible",
    "not_chosen",
    "consent_refused",
    "submission_failed",
    "agency_timeout",
    "information_not_given",
    "operator_skipped",
    "cancelled",
    "error",
]


class StepStatus(Model):
    id: str
    kind: Literal["identity", "agency_service"]
    agency: str | None = None
    title: LocalizedText | None = None
    state: StepState = "pending"
    updated_at: datetime
    outcome: StepOutcomeCode | None = None
    reasons: list[str] = Field(default_factory=list)
    reference: str | None = None
    needs: list[str] = Field(default_factory=list)
    deadline_at: datetime | None = None
    # The agency missed its SLA, the service escalates, and no operator has resolved it yet.
    escalated: bool = False
    # What was undone when the journey was cancelled ("withdrawn", "payment_reversed", ...).
    compensations: list[str] = Field(default_factory=list)


class CitizenRequest(Model):
    """Something the journey waits for from the person: a consent or some information."""

    id: str
    kind: Literal["consent", "information", "confirmation"]
    step_id: str
    state: Literal["open", "answered", "expired", "cancelled"] = "open"
    title: LocalizedText | None = None
    purpose: LocalizedText | None = None
    requested: list[str] = Field(default_factory=list)
    message: str | None = None
    created_at: datetime
    due_at: datetime | None = None


class JourneyStatus(Model):
    journey_id: str
    life_event: str
    state: JourneyState = "running"
    started_at: datetime
    completed_at: datetime | None = None
    steps: list[StepStatus]
    requests: list[CitizenRequest] = Field(default_factory=list)
    deadlines: list[DeadlinePlan] = Field(default_factory=list)


class StepUpdate(Model):
    """A child tells its journey where its step stands (signal)."""

    step_id: str
    state: StepState
    outcome: StepOutcomeCode | None = None
    reasons: list[str] = Field(default_factory=list)
    reference: str | None = None
    # A request for information the step opens, or the id of one it closes.
    request: CitizenRequest | None = None
    closed_request: str | None = None
    # The agency missed its SLA and the service escalates: operators must look.
    escalated: bool = False
    # The step's workflow takes operators' actions (resubmit, decide, skip): set by steps
    # started on code with the operator-actions patch, so the journey refuses the others'.
    takes_operator_actions: bool = False


class StepOutcome(Model):
    state: StepState
    outcome: StepOutcomeCode | None = None
    reasons: list[str] = Field(default_factory=list)
    reference: str | None = None
    compensations: list[str] = Field(default_factory=list)
    # Dry runs only: what was sent to the agency and what came back, in order.
    exchanges: list[dict[str, Any]] = Field(default_factory=list)
