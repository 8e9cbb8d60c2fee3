"""The app database's tables (SQLModel). They never cross the Temporal boundary."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class PopulationRecord(SQLModel, table=True):
    """The authoritative population registry that identity verification checks against."""

    national_id: str = Field(primary_key=True, max_length=32)
    given_name: str
    family_name: str
    birth_date: date


class Agency(SQLModel, table=True):
    agency_id: str = Field(primary_key=True, max_length=64)
    name: str
    created_at: datetime = Field(default_factory=utcnow)


class AgencyKey(SQLModel, table=True):
    """An integrator's API key: only its sha256 is kept; the key is shown once, at creation.

    Rotation gives the previous keys an expiry (the overlap); revocation ends one at once.
    """

    id: int | None = Field(default=None, primary_key=True)
    agency_id: str = Field(foreign_key="agency.agency_id", index=True)
    key_hash: str = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class AgencySecret(SQLModel, table=True):
    """A webhook signing secret (Standard Webhooks ``whsec_…``), shared with the agency.

    Kept as is, because signing needs it; during a rotation both secrets sign, until the old
    one expires.
    """

    id: int | None = Field(default=None, primary_key=True)
    agency_id: str = Field(foreign_key="agency.agency_id", index=True)
    secret: str
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class AgencyServiceVersion(SQLModel, table=True):
    """Every version a service's registration ever had (journeys pin one of them). Kept when the
    service is deleted: its ``agency_id`` owns the service id for ever."""

    service_id: str = Field(primary_key=True, max_length=100)
    version: int = Field(primary_key=True)
    agency_id: str
    registration: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class AgencyService(SQLModel, table=True):
    """A registered agency service; ``registration`` is the integrator's document, validated."""

    service_id: str = Field(primary_key=True, max_length=100)
    agency_id: str = Field(foreign_key="agency.agency_id", index=True)
    version: int = 1
    active: bool = True
    registration: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class RegistryGeneration(SQLModel, table=True):
    """Changes whenever a registration does (registered, changed, enabled, disabled, deleted):
    each process keeps the active registrations parsed, keyed by this token, so the catalog and
    plan resolution read one row instead of every registration. A random token, not a count, so
    that no two databases ever share one."""

    id: int = Field(default=1, primary_key=True)
    token: str = Field(max_length=64)


class CallbackReceipt(SQLModel, table=True):
    """A genuine agency callback, by the sha256 of its ``webhook-id``: a second delivery with the
    same id is acknowledged and signals nothing."""

    webhook_id_hash: str = Field(primary_key=True, max_length=64)
    agency_id: str = Field(max_length=64)
    step_workflow: str = Field(max_length=300)
    received_at: datetime = Field(default_factory=utcnow)


class JourneyOwner(SQLModel, table=True):
    """Who started a journey with an OpenID Connect token: a keyed hash of their subject."""

    journey_id: str = Field(primary_key=True)
    subject_hash: str = Field(index=True)


class JourneyTokenRevocation(SQLModel, table=True):
    """Every journey token of this journey issued up to ``revoked_before`` no longer opens it
    (the person, or an operator, revoked them); tokens issued after it do."""

    journey_id: str = Field(primary_key=True)
    revoked_before: datetime


class JourneyLinkRequest(SQLModel, table=True):
    """The last time a fresh link was e-mailed for a journey: at most one per interval."""

    journey_id: str = Field(primary_key=True)
    sent_at: datetime


class IntakeRecord(SQLModel, table=True):
    """One accepted intake keyed by its Idempotency-Key. Holds a keyed hash, not the body."""

    idempotency_key: str = Field(primary_key=True, max_length=200)
    request_hash: str
    journey_id: str = Field(index=True)
    life_event: str
    # The daily purge deletes by age (core/retention.py): indexed, it reads no more rows.
    created_at: datetime = Field(default_factory=utcnow, index=True)


class PaymentLedgerEntry(SQLModel, table=True):
    """A payment the orchestrator instructed. The idempotency key makes a retry pay nothing more."""

    __table_args__ = (UniqueConstraint("idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=300)
    journey_id: str = Field(index=True)
    service_id: str
    payee_national_id: str
    amount_cents: int
    currency: str
    status: str = "instructed"
    created_at: datetime = Field(default_factory=utcnow, index=True)  # the purge's filter


class NotificationRecord(SQLModel, table=True):
    """An e-mail we send; claimed before sending so a retry resends the same Message-ID at most."""

    __table_args__ = (UniqueConstraint("idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=300)
    journey_id: str = Field(index=True)
    message_id: str
    status: str = "sending"
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class ConsentRecord(SQLModel, table=True):
    """Append-only: each time a person gives, refuses or withdraws consent for a purpose."""

    id: int | None = Field(default=None, primary_key=True)
    journey_id: str = Field(index=True)
    service_id: str
    agency_id: str
    purpose: str
    given: bool
    source: str
    recorded_at: datetime = Field(default_factory=utcnow, index=True)  # the purge's filter


class AuditEntry(SQLModel, table=True):
    """Append-only and hash-chained: each entry's hash (HMAC-SHA256 under AUDIT_KEY, which the
    database never holds) covers its content and the previous hash, so an edited, deleted or
    reordered entry breaks the chain, even re-hashed (``lifeevents audit-verify``).
    Holds who did what to which journey or agency; never personal values."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str
    action: str
    journey_id: str | None = Field(default=None, index=True)
    agency_id: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Makes an append idempotent (a retried activity records once).
    event_key: str | None = Field(default=None, unique=True, max_length=300)
    prev_hash: str
    hash: str


class AuditHead(SQLModel, table=True):
    """The chain's head, locked while appending so that concurrent appends stay in one chain.
    ``mac`` keys the entry count and the last hash (AUDIT_KEY), so the head cannot be moved back
    over a truncated trail without the key."""

    id: int = Field(default=1, primary_key=True)
    last_hash: str = ""
    entries: int = 0
    mac: str = ""


class RetentionTotal(SQLModel, table=True):
    """What a retention purge removed, as anonymous counts (per table and service)."""

    id: int | None = Field(default=None, primary_key=True)
    purged_at: datetime = Field(default_factory=utcnow)
    table_name: str
    service_id: str
    count: int
    amount_cents: int = 0


class IdentityCheckFailure(SQLModel, table=True):
    """A journey's failed identity check: the precise reason (for operators; the person is told
    only that the check failed) and keyed hashes of the national id and of the client's address,
    which the intake's rate limits count. Never the id or the address themselves."""

    id: int | None = Field(default=None, primary_key=True)
    journey_id: str = Field(unique=True, max_length=100)
    national_id_hash: str = Field(index=True, max_length=64)
    client_ref: str | None = Field(default=None, index=True, max_length=64)
    reason: str
    at: datetime = Field(default_factory=utcnow, index=True)


class FeedbackResponse(SQLModel, table=True):
    """A person's answer to the post-transaction survey (US OMB A-11 Section 280 items), with
    nothing that identifies them: not the journey's id, only a keyed hash of it
    (``ids.feedback_ref``), unique so that a journey gives one response; the day, not the
    moment; the comment with personal data taken out."""

    id: int | None = Field(default=None, primary_key=True)
    journey_ref: str = Field(unique=True, max_length=64)
    life_event: str = Field(index=True, max_length=100)
    services: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    channel: str = Field(max_length=10)
    language: str = Field(max_length=2)
    submitted_on: date = Field(index=True)
    satisfaction: int
    trust: int | None = None
    effectiveness: int | None = None
    ease: int | None = None
    efficiency: int | None = None
    transparency: int | None = None
    employee_helpfulness: int | None = None
    went_well: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    did_not_go_well: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    comment: str | None = Field(default=None, max_length=1000)


class JourneyOutcome(SQLModel, table=True):
    """How one journey ended, for aggregate reports (time tax, equity, the public performance
    page): not the journey's id, only a keyed hash of it (``ids.outcome_ref``), unique so that a
    journey is counted once; a life event, a language, a channel and a province at most, never
    anything about the person."""

    id: int | None = Field(default=None, primary_key=True)
    journey_ref: str = Field(unique=True, max_length=64)
    life_event: str = Field(index=True, max_length=100)
    state: str = Field(max_length=30)
    # Days, not moments: a moment could be matched with a journey's own history.
    started_on: date
    ended_on: date = Field(index=True)
    seconds_to_outcome: int
    language: str = Field(max_length=2)
    channel: str = Field(max_length=20)
    region: str | None = Field(default=None, max_length=10)
    facts_told: int
    facts_received: int
    services_reached: int
    agencies_reached: int
    contacts_avoided: int
    documents_not_asked: int
    minutes_saved: int | None = None


class SavedView(SQLModel, table=True):
    """An operator's named search in the console: the filter as its URL query, checked when
    saved and again when used."""

    __table_args__ = (UniqueConstraint("operator", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    operator: str = Field(index=True, max_length=100)
    name: str = Field(max_length=100)
    query: str = Field(max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)


class DeliveryAttempt(SQLModel, table=True):
    """The delivery log: each attempt to submit a step's request to an agency (webhook mode),
    and each decision an agency sent later by callback. What was sent when and what came back,
    never what the request held: the journey, the service, the submission round and attempt,
    the HTTP status, the kind of failure, the time taken, the decision's kind."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    journey_id: str = Field(index=True, max_length=36)
    agency_id: str = Field(index=True, max_length=100)
    service_id: str = Field(index=True, max_length=100)
    round: int
    # "submission" (one attempt of one round) or "callback" (the agency's later decision).
    kind: str = Field(max_length=10)
    attempt: int | None = None
    # submissions: "decided", "accepted" (the agency decides later), or the kind of failure
    # (FAILURE_KINDS in activities/submission.py); callbacks: "decided".
    outcome: str = Field(max_length=20)
    status_code: int | None = None
    decision: str | None = Field(default=None, max_length=20)
    elapsed_ms: int | None = None


class AssistedIntake(SQLModel, table=True):
    """A life event a caseworker filed on a person's behalf: the channel, who attested the
    person's consent and how (the consents themselves are the intake's, recorded as any)."""

    journey_id: str = Field(primary_key=True, max_length=36)
    channel: str = Field(default="assisted", max_length=10)
    attested_by: str = Field(max_length=200)  # the caseworker, as the audit trail names them
    method: str = Field(max_length=20)
    evidence_reference: str | None = Field(default=None, max_length=100)
    attested_at: datetime = Field(default_factory=utcnow, index=True)
