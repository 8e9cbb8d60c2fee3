"""Inputs and results of the building-block activities."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from core.models.agency import AgencyDecision, AgencyRequest
from core.models.common import Language, LocalizedText, Model
from core.models.plan import EligibilityRules, PaymentTerms

# A payment in the ledger, and what a reversal found.
PaymentStatus = Literal["instructed", "settled", "reversed"]
ReversalStatus = Literal["reversed", "not_reversed_settled", "none"]
# What a message to the person is about.
MessageKind = Literal[
    "approved",
    "rejected",
    "failed",
    "not_eligible",
    "consent_needed",
    "information_needed",
    "reminder",
    "offer",
    "link",
    "summary",
]


class SummaryLine(Model):
    """One step of a journey as its closing summary tells it."""

    title: LocalizedText
    agency_name: str
    agency_names: LocalizedText | None = None
    state: str
    outcome: str | None = None
    reference: str | None = None


class VerifyIdentityInput(Model):
    journey_id: str
    national_id: str
    given_name: str
    family_name: str
    birth_date: str
    # Who asked (a keyed hash of the intake's client address), recorded with a failed check.
    client_ref: str | None = None


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
    # A webhook's answer: its HTTP status and how long the exchange took (dry runs show them).
    status: int | None = None
    elapsed_ms: int | None = None


class NotificationInput(Model):
    journey_id: str
    idempotency_key: str
    to_email: str
    language: Language
    service_title: LocalizedText
    # The agency's name in the person's language when its registration gives both
    # (agency_names), else as the agency was created, in one language (agency_name).
    agency_name: str
    agency_names: LocalizedText | None = None
    outcome: MessageKind
    reference: str | None = None
    agency_message: str | None = None
    reasons: list[str] = Field(default_factory=list)
    payment: PaymentTerms | None = None
    # For requests to the person: what is asked, for what purpose, and until when.
    requested: list[str] = Field(default_factory=list)
    purpose: LocalizedText | None = None
    due_at: datetime | None = None
    # The journey's closing summary: how it ended, and every step's outcome.
    journey_state: str | None = None
    steps: list[SummaryLine] = Field(default_factory=list)


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
    status: PaymentStatus | ReversalStatus
    already_recorded: bool = False


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
