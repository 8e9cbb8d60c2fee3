"""Pydantic models that cross the Temporal boundary (workflow, activity and signal payloads).

Side-effect free on purpose: the workflow sandbox passes this module through, so it must import
nothing but pydantic and the standard library. SQLModel tables live in ``lifeevents.tables`` and
never travel through Temporal.
"""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Language = Literal["en", "fr"]
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
Decision = Literal["approved", "rejected", "needs_information"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalizedText(Model):
    en: str = Field(min_length=1, max_length=200)
    fr: str = Field(min_length=1, max_length=200)

    def in_(self, language: Language) -> str:
        return self.fr if language == "fr" else self.en


# --- How an agency service is reached -------------------------------------------------------


class WebhookDelivery(Model):
    """The orchestrator POSTs the request to the agency's URL."""

    mode: Literal["webhook"] = "webhook"
    url: str = Field(pattern=r"^https?://", max_length=2000)


class TaskQueueDelivery(Model):
    """The agency runs its own Temporal worker; we call its activity on its task queue."""

    mode: Literal["task_queue"] = "task_queue"
    task_queue: str = Field(min_length=1, max_length=200)
    activity: str = Field(min_length=1, max_length=200)


Delivery = Annotated[WebhookDelivery | TaskQueueDelivery, Field(discriminator="mode")]


Operator = Literal[
    "exists",
    "equals",
    "not_equals",
    "in",
    "not_in",
    "gte",
    "lte",
    "age_at_least",
    "age_at_most",
    "within_days",
]


class Condition(Model):
    """A test on one field of the intake. Ages and day counts are taken on the journey's start."""

    field: str = Field(min_length=1, max_length=200)
    op: Operator
    value: Any = None


class EligibilityRule(Model):
    """A condition (or ``any`` of several) that must hold; when it does not, ``reason`` says why."""

    field: str | None = Field(default=None, min_length=1, max_length=200)
    op: Operator | None = None
    value: Any = None
    any: list[Condition] | None = Field(default=None, min_length=1)
    reason: LocalizedText

    @model_validator(mode="after")
    def _one_form(self) -> "EligibilityRule":
        if (self.any is None) == (self.field is None or self.op is None):
            raise ValueError("a rule has either 'field' and 'op', or 'any'")
        return self

    def conditions(self) -> list[Condition]:
        if self.any is not None:
            return self.any
        assert self.field is not None and self.op is not None
        return [Condition(field=self.field, op=self.op, value=self.value)]


class EligibilityRules(Model):
    """Every rule must hold (a decision in data, evaluated by the eligibility building block)."""

    all: list[EligibilityRule] = Field(default_factory=list)


class PaymentTerms(Model):
    amount_cents: int = Field(gt=0)
    currency: str = Field(default="CAD", pattern=r"^[A-Z]{3}$")


class RetrySettings(Model):
    initial_interval_seconds: float = Field(default=1.0, gt=0)
    maximum_interval_seconds: float = Field(default=30.0, gt=0)
    maximum_attempts: int = Field(default=10, ge=1, le=100)
    attempt_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)


# --- The plan: everything one journey will do, pinned at intake ------------------------------


class ServicePlan(Model):
    service_id: str
    agency_id: str
    agency_name: str
    title: LocalizedText
    registration_version: int
    fields: list[str]
    delivery: Delivery
    eligibility: EligibilityRules | None = None
    payment: PaymentTerms | None = None
    sla: timedelta
    retry: RetrySettings = Field(default_factory=RetrySettings)
    # Services whose outcome this one needs (their references reach the agency).
    needs: list[str] = Field(default_factory=list)
    # Why the agency receives the person's data; what the person consents to.
    purpose: LocalizedText | None = None
    # Consent as given at intake: True given, False refused, None not asked yet.
    consent: bool | None = None
    # Where to tell the agency that the person withdrew (cancellation), if it wants to know.
    withdrawal: Delivery | None = None
    # Past the SLA: the step fails, or it is escalated to operators and keeps waiting.
    on_sla: Literal["fail", "escalate"] = "fail"
    # How long the person has to answer a request for information, and how often we remind.
    information_deadline: timedelta = timedelta(days=30)
    reminder_every: timedelta = timedelta(days=7)


class DeadlinePlan(Model):
    """A legal deadline: past ``due_at``, the listed steps that still wait on the person end."""

    id: str
    title: LocalizedText
    due_at: datetime
    services: list[str]


class ProactiveOffer(Model):
    """A journey a registry event started: offered to someone who must confirm it in time."""

    event_type: str
    event_source: str
    due_at: datetime
    life_event_title: LocalizedText


class Confirmation(Model):
    """The person a proactive journey was offered to confirms it: who they are, what to do."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "informant": {
                        "national_id": "456789123",
                        "given_name": "Marc",
                        "family_name": "Gagnon",
                        "birth_date": "1958-01-20",
                        "relationship": "spouse",
                    },
                    "services": ["pension.stop-payments", "tax.final-return"],
                    "consents": ["pension.stop-payments", "tax.final-return"],
                }
            ]
        },
    )

    informant: dict[str, Any]
    services: list[str] = Field(min_length=1, max_length=50)
    consents: list[str] = Field(default_factory=list, max_length=50)


class JourneyPlan(Model):
    journey_id: str
    life_event: str
    definition_version: int
    language: Language
    # What the person told once (validated against the definition's intake schema).
    intake: dict[str, Any]
    services: list[ServicePlan]
    # Where agencies send later decisions; the callback id is appended per step.
    callback_base_url: str
    deadlines: list[DeadlinePlan] = Field(default_factory=list)
    # Set when an authoritative registry's event started the journey (no application yet).
    proactive: ProactiveOffer | None = None


# --- Status, answered by the journey's query -------------------------------------------------


class StepStatus(Model):
    id: str
    kind: Literal["identity", "agency_service"]
    agency: str | None = None
    title: LocalizedText | None = None
    state: StepState = "pending"
    updated_at: datetime
    outcome: str | None = None
    reasons: list[str] = Field(default_factory=list)
    reference: str | None = None
    needs: list[str] = Field(default_factory=list)
    deadline_at: datetime | None = None
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
    outcome: str | None = None
    reasons: list[str] = Field(default_factory=list)
    reference: str | None = None
    # A request for information the step opens, or the id of one it closes.
    request: CitizenRequest | None = None
    closed_request: str | None = None
    # The agency missed its SLA and the service escalates: operators must look.
    escalated: bool = False


class ConsentAnswer(Model):
    """The person gives or refuses (or withdraws) consent for one service's purpose."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"service_id": "health.child-health-card", "given": True}]},
    )

    service_id: str = Field(min_length=1, max_length=100)
    given: bool


class InformationAnswer(Model):
    """The person answers a request for information, field by field."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "request_id": "pension.survivor-benefit/information/1",
                    "answers": {"bank_account": "00123-004-5550001"},
                }
            ]
        },
    )

    request_id: str = Field(min_length=1, max_length=300)
    answers: dict[str, Annotated[str, Field(min_length=1, max_length=500)]] = Field(max_length=50)


class CancelRequest(Model):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Reported by mistake"}]}
    )

    reason: str | None = Field(default=None, max_length=500)


# --- Building-block inputs and outputs ------------------------------------------------------


class VerifyIdentityInput(Model):
    journey_id: str
    national_id: str
    given_name: str
    family_name: str
    birth_date: str


class IdentityResult(Model):
    verified: bool
    reason: str | None = None


class EligibilityInput(Model):
    journey_id: str
    service_id: str
    language: Language
    rules: EligibilityRules | None
    intake: dict[str, Any]
    # The journey's start: "today" for age and date rules, so a replay decides the same way.
    as_of: datetime


class EligibilityResult(Model):
    eligible: bool
    reasons: list[str] = Field(default_factory=list)


class PrepareRequestInput(Model):
    journey_id: str
    step_id: str
    service_id: str
    life_event: str
    fields: list[str]
    intake: dict[str, Any]
    callback_base_url: str
    prerequisites: dict[str, str] = Field(default_factory=dict)
    information: dict[str, str] = Field(default_factory=dict)
    round: int = 1
    # The child workflow that waits for the decision; the callback id resolves to it.
    workflow_id: str
    # Who receives the data (for the person's access log); none for a dry run's synthetic data.
    agency_id: str = ""
    record_access: bool = True


class AgencyRequest(Model):
    """What an agency receives: the webhook body, or its native activity's input."""

    model_config = ConfigDict(extra="allow")

    journey_id: str
    service_id: str
    life_event: str
    step_id: str
    data: dict[str, Any]
    callback_url: str
    # References issued by the services this one needs, by service id.
    prerequisites: dict[str, str] = Field(default_factory=dict)
    # The person's answers to what the agency asked, and which submission this is.
    information: dict[str, str] = Field(default_factory=dict)
    round: int = 1


class AgencyDecision(Model):
    """An agency's answer, given at once or later through a callback."""

    model_config = ConfigDict(extra="ignore")

    decision: Decision
    reference: str | None = Field(default=None, max_length=200)
    message: str | None = Field(default=None, max_length=2000)
    requested: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]] = Field(
        default_factory=list, max_length=20
    )
    # Which submission this decides (set by the orchestrator from the callback id).
    round: int = Field(default=1, ge=1)


class DeliverWebhookInput(Model):
    journey_id: str
    # Whose secrets sign the request (read at send time: secrets never enter history).
    agency_id: str
    url: str
    request: AgencyRequest
    # Same on every retry, so the agency can deduplicate.
    idempotency_key: str


class SubmissionResult(Model):
    """``decision`` is None when the agency accepted the request and will decide later."""

    accepted: bool
    decision: AgencyDecision | None = None


class NotificationInput(Model):
    journey_id: str
    idempotency_key: str
    to_email: str
    language: Language
    service_title: LocalizedText
    agency_name: str
    outcome: str
    reference: str | None = None
    agency_message: str | None = None
    reasons: list[str] = Field(default_factory=list)
    payment: PaymentTerms | None = None
    # For requests to the person: what is asked, for what purpose, and until when.
    requested: list[str] = Field(default_factory=list)
    purpose: LocalizedText | None = None
    due_at: datetime | None = None


class NotificationReceipt(Model):
    message_id: str
    already_sent: bool = False


class PaymentInput(Model):
    journey_id: str
    service_id: str
    idempotency_key: str
    payee_national_id: str
    amount_cents: int
    currency: str


class PaymentReceipt(Model):
    payment_id: int
    status: str
    already_recorded: bool = False


class AgencyServiceInput(Model):
    journey_id: str
    step_id: str
    life_event: str
    language: Language
    intake: dict[str, Any]
    service: ServicePlan
    callback_base_url: str
    journey_started_at: datetime
    prerequisites: dict[str, str] = Field(default_factory=dict)
    # The earliest legal deadline for this step: waits on the person end there.
    deadline_at: datetime | None = None
    # A dry run (an integrator trying a service on synthetic data): no e-mail, no payment, no
    # journey to report to; the outcome lists every exchange with the agency.
    dry_run: bool = False


class WithdrawalInput(Model):
    """Tell an agency that the person withdrew a request it already received."""

    journey_id: str
    agency_id: str
    url: str
    idempotency_key: str
    service_id: str
    step_id: str
    reference: str | None = None


class ReversePaymentInput(Model):
    journey_id: str
    idempotency_key: str


class ConsentRecordInput(Model):
    journey_id: str
    service_id: str
    agency_id: str
    purpose: str
    given: bool
    source: Literal["intake", "citizen"]


class ConsentRecordsInput(Model):
    records: list[ConsentRecordInput]


class StepOutcome(Model):
    state: StepState
    outcome: str | None = None
    reasons: list[str] = Field(default_factory=list)
    reference: str | None = None
    compensations: list[str] = Field(default_factory=list)
    # Dry runs only: what was sent to the agency and what came back, in order.
    exchanges: list[dict[str, Any]] = Field(default_factory=list)
