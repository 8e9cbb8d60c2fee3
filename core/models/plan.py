"""The plan: everything one journey will do, resolved and pinned at intake.

Also what a registration says about reaching a service (delivery, rules, payment, retries),
since the plan pins a copy of it.
"""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator

from core.models.common import Language, LocalizedText, Model


class WebhookDelivery(Model):
    """The orchestrator POSTs the request to the agency's URL."""

    mode: Literal["webhook"] = "webhook"
    url: str = Field(pattern=r"^https?://", max_length=2000)

    @field_validator("url")
    @classmethod
    def _no_credentials(cls, value: str) -> str:
        # Where the URL points is checked against the allowed networks at registration and
        # before every request (core.urls); credentials in a URL are never accepted.
        if "@" in urlsplit(value).netloc:
            raise ValueError("a URL must not carry a user name or password")
        return value


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
    """How a submission is retried. Bounded: Temporal waits forever on a policy whose initial
    interval exceeds its maximum, and a journey would stay running."""

    initial_interval_seconds: float = Field(default=1.0, ge=0.1, le=3600)
    maximum_interval_seconds: float = Field(default=30.0, ge=0.1, le=3600)
    maximum_attempts: int = Field(default=10, ge=1, le=100)
    attempt_timeout_seconds: float = Field(default=30.0, ge=1, le=3600)

    @field_validator("maximum_interval_seconds")
    @classmethod
    def _maximum_not_below_initial(cls, value: float, info: ValidationInfo) -> float:
        initial = info.data.get("initial_interval_seconds")
        if initial is not None and value < initial:
            raise ValueError(
                f"maximum_interval_seconds must be at least initial_interval_seconds ({initial:g})"
            )
        return value


class ServiceBurden(Model):
    """What reaching this service would cost a person without the journey, as the agency
    estimates it (the OMB burden method: contacts × minutes per contact). Optional data: a
    service without it counts its contact, and no minutes."""

    minutes_per_contact: int = Field(
        ge=1, le=24 * 60, description="Minutes one contact with the agency takes the person"
    )
    contacts: int = Field(
        default=1, ge=1, le=50, description="Contacts a person would make to get this service"
    )
    documents: int = Field(
        default=0, ge=0, le=50, description="Documents the agency would otherwise ask for"
    )


class ServicePlan(Model):
    service_id: str
    agency_id: str
    agency_name: str
    # The agency's name in both languages, when its registration gives it.
    agency_names: LocalizedText | None = None
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
    # What the service would cost the person on their own (the time-tax meter's figures).
    burden: ServiceBurden | None = None


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
    # A keyed hash of the intake's client address (never the address): a failed identity check
    # is counted against it by the intake's rate limit.
    client_ref: str | None = Field(default=None, max_length=64)
    # Where the person told us: the citizen pages ("web") or a client of the API ("api"). A
    # journey a registry event started is a "registry" one (``proactive``).
    channel: Literal["api", "web"] = "api"


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
