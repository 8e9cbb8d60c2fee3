"""The agency registry: agencies, their credentials, and the services they register.

Service functions take a session and keyword arguments; the API and the seed both use them.
"""

import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from core.catalog import LifeEventDefinition
from core.credentials import issue_key, issue_secret
from core.models import (
    Delivery,
    EligibilityRules,
    LocalizedText,
    Model,
    PaymentTerms,
    RetrySettings,
    ServiceBurden,
    WebhookDelivery,
)
from core.settings import Settings
from core.tables import (
    Agency,
    AgencyService,
    AgencyServiceVersion,
    RegistryGeneration,
    utcnow,
)
from core.urls import AgencyUrlError, UnresolvedHost, check_agency_url, parse_networks

# What an integrator may ask for: past these, a journey waits for ever or mails a person
# every few seconds. (A dry run caps the SLA at an hour: the lower bound stays below that.)
SLA_BOUNDS = (timedelta(minutes=1), timedelta(days=365))
INFORMATION_DEADLINE_BOUNDS = (timedelta(days=1), timedelta(days=365))
REMINDER_BOUNDS = (timedelta(hours=1), timedelta(days=90))


def _within(name: str, value: timedelta, bounds: tuple[timedelta, timedelta]) -> timedelta:
    low, high = bounds
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {_say(low)} and {_say(high)}")
    return value


def _say(duration: timedelta) -> str:
    if duration % timedelta(days=1) == timedelta(0):
        return f"{duration.days} day{'s' if duration.days != 1 else ''}"
    if duration % timedelta(hours=1) == timedelta(0):
        hours = duration // timedelta(hours=1)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = duration // timedelta(minutes=1)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class RegistryError(Exception):
    """A registration that contradicts the catalog; ``loc`` names the offending field."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


class ServiceRegistration(Model):
    """What an integrator registers for one agency service (the body of POST .../services)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "service_id": "harbour.birth-notice",
                    "title": {"en": "Harbour birth notice", "fr": "Avis de naissance"},
                    "life_events": ["birth"],
                    "fields": ["child.given_name", "child.birth_date", "informant.national_id"],
                    "delivery": {"mode": "webhook", "url": "https://harbour.example/notices"},
                    "withdrawal": {"mode": "webhook", "url": "https://harbour.example/withdrawals"},
                    "eligibility": {
                        "all": [
                            {
                                "field": "child.birth_date",
                                "op": "within_days",
                                "value": 365,
                                "reason": {
                                    "en": "Only births of the last year.",
                                    "fr": "Seulement les naissances de la dernière année.",
                                },
                            }
                        ]
                    },
                    "pays": False,
                    "sla": "P5D",
                    "retry": {"maximum_attempts": 10, "attempt_timeout_seconds": 30},
                    "burden": {"minutes_per_contact": 20, "contacts": 2, "documents": 1},
                }
            ]
        },
    )

    service_id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{2,99}$")
    title: LocalizedText
    agency_name: LocalizedText | None = Field(
        default=None,
        description="The agency's name in English and French, as people read it in their "
        "e-mails (absent: the agency's name as it was created, in one language)",
    )
    life_events: list[str] = Field(min_length=1, max_length=20)
    fields: list[str] = Field(max_length=100)
    delivery: Delivery
    eligibility: EligibilityRules | None = None
    pays: bool = False
    payment: PaymentTerms | None = None
    sla: timedelta = Field(default=timedelta(days=5), description="ISO 8601 duration, e.g. P5D")
    retry: RetrySettings = Field(default_factory=RetrySettings)
    on_sla: Literal["fail", "escalate"] = Field(
        default="fail",
        description="Past the SLA: fail the step, or escalate to operators and keep waiting",
    )
    # Where the agency wants to hear that a person withdrew (journey cancelled), if anywhere.
    withdrawal: Delivery | None = None
    information_deadline: timedelta = Field(
        default=timedelta(days=30), description="How long the person has to answer a request"
    )
    reminder_every: timedelta = Field(
        default=timedelta(days=7), description="How often the person is reminded of a request"
    )
    burden: ServiceBurden | None = Field(
        default=None,
        description="What the service costs a person without the journey (minutes per contact, "
        "contacts, documents): the time-tax meter's estimate of minutes saved",
    )

    @field_validator("sla")
    @classmethod
    def _bounded_sla(cls, value: timedelta) -> timedelta:
        return _within("sla", value, SLA_BOUNDS)

    @field_validator("information_deadline")
    @classmethod
    def _bounded_deadline(cls, value: timedelta) -> timedelta:
        return _within("information_deadline", value, INFORMATION_DEADLINE_BOUNDS)

    @field_validator("reminder_every")
    @classmethod
    def _bounded_reminders(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        _within("reminder_every", value, REMINDER_BOUNDS)
        deadline = info.data.get("information_deadline")
        if deadline is not None and value > deadline:
            raise ValueError("reminder_every must not be longer than information_deadline")
        return value

    @model_validator(mode="after")
    def _payment_when_paying(self) -> "ServiceRegistration":
        if self.pays and self.payment is None:
            raise ValueError("a service that pays must say how much: set 'payment'")
        return self


class AgencyCreate(Model):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"agency_id": "harbour", "name": "Harbour Authority"}]},
    )

    agency_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    name: str = Field(min_length=1, max_length=200)


def create_agency(
    *,
    session: Session,
    agency: AgencyCreate,
) -> tuple[Agency, str, str]:
    """Create an agency with its first API key and signing secret (returned once)."""
    row = Agency(agency_id=agency.agency_id, name=agency.name)
    session.add(row)
    session.commit()
    session.refresh(row)
    _, api_key = issue_key(session=session, agency_id=row.agency_id)
    secret = issue_secret(session=session, agency_id=row.agency_id)
    return row, api_key, secret.secret


def check_against_catalog(
    registration: ServiceRegistration, catalog: dict[str, LifeEventDefinition]
) -> None:
    """Every life event must exist and every field must be a path into each one's intake."""
    for index, life_event in enumerate(registration.life_events):
        definition = catalog.get(life_event)
        if definition is None:
            raise RegistryError(("life_events", index), f"unknown life event '{life_event}'")
        for field_index, path in enumerate(registration.fields):
            if not definition.has_field(path):
                raise RegistryError(
                    ("fields", field_index),
                    f"'{path}' is not a field of the '{life_event}' intake",
                )
        if registration.eligibility:
            for rule_index, rule in enumerate(registration.eligibility.all):
                for condition in rule.conditions():
                    if not definition.has_field(condition.field):
                        raise RegistryError(
                            ("eligibility", "all", rule_index),
                            f"'{condition.field}' is not a field of the '{life_event}' intake",
                        )


def check_urls(registration: ServiceRegistration, settings: Settings) -> None:
    """Webhook and withdrawal URLs must point at public addresses (or an allowed network,
    AGENCY_URL_ALLOWED_NETWORKS). A host that does not resolve yet is accepted: every request
    checks the address again just before it is sent, which is the check that counts."""
    allowed = parse_networks(settings.agency_url_allowed_networks)
    for name, delivery in (
        ("delivery", registration.delivery),
        ("withdrawal", registration.withdrawal),
    ):
        if not isinstance(delivery, WebhookDelivery):
            continue
        try:
            check_agency_url(delivery.url, allowed)
        except UnresolvedHost:
            continue
        except AgencyUrlError as error:
            raise RegistryError((name, "url"), str(error)) from error


class ServiceIdTaken(Exception):
    """The service id belongs to another agency (for ever: deleting a service keeps its id)."""

    def __init__(self, service_id: str) -> None:
        super().__init__(f"The service id '{service_id}' belongs to another agency")
        self.service_id = service_id


class QuotaExceeded(Exception):
    """The agency has as many services registered as MAX_SERVICES_PER_AGENCY allows."""

    def __init__(self, quota: int) -> None:
        super().__init__(
            f"An agency may have at most {quota} services registered "
            "(MAX_SERVICES_PER_AGENCY); delete one first"
        )
        self.quota = quota


def service_owner(session: Session, service_id: str) -> str | None:
    """The agency that owns a service id: whoever registered it first, even if deleted since."""
    first = session.exec(
        select(AgencyServiceVersion.agency_id)
        .where(AgencyServiceVersion.service_id == service_id)
        .order_by(col(AgencyServiceVersion.version))
        .limit(1)
    ).first()
    if first is not None:
        return first
    row = session.get(AgencyService, service_id)
    return row.agency_id if row is not None else None


def check_quota(session: Session, agency_id: str, quota: int) -> None:
    """A new service must fit within the agency's quota (changing an existing one always does)."""
    count = session.exec(
        select(func.count()).select_from(AgencyService).where(AgencyService.agency_id == agency_id)
    ).one()
    if count >= quota:
        raise QuotaExceeded(quota)


def upsert_service(
    *, session: Session, agency_id: str, registration: ServiceRegistration
) -> AgencyService:
    """Create a service, or store a new version of it. Journeys in flight keep their version.

    A service id is its first agency's for ever: another agency's registration of it, even
    after it was deleted, is refused (ServiceIdTaken). Registered again by its owner after a
    deletion, it continues its versions."""
    document: dict[str, Any] = registration.model_dump(mode="json")
    if document.get("agency_name") is None:
        # Left out when not given, so a registration stored before the field existed is still
        # equal to the same one sent again (no new version for nothing).
        document.pop("agency_name", None)
    owner = service_owner(session, registration.service_id)
    if owner is not None and owner != agency_id:
        raise ServiceIdTaken(registration.service_id)
    row = session.get(AgencyService, registration.service_id)
    if row is None:
        latest = session.exec(
            select(func.max(AgencyServiceVersion.version)).where(
                AgencyServiceVersion.service_id == registration.service_id
            )
        ).one()
        row = AgencyService(
            service_id=registration.service_id,
            agency_id=agency_id,
            registration=document,
            version=(latest or 0) + 1,
        )
    elif row.registration != document or not row.active:
        row.version += 1
        row.registration = document
        row.active = True
        row.updated_at = utcnow()
    session.add(row)
    if session.get(AgencyServiceVersion, (row.service_id, row.version)) is None:
        session.add(
            AgencyServiceVersion(
                service_id=row.service_id,
                version=row.version,
                agency_id=agency_id,
                registration=document,
            )
        )
    registry_changed(session)
    session.commit()
    session.refresh(row)
    return row


def set_service_active(*, session: Session, row: AgencyService, active: bool) -> AgencyService:
    """Offer a service to new journeys, or withdraw it (journeys in flight keep it)."""
    row.active = active
    row.updated_at = utcnow()
    session.add(row)
    registry_changed(session)
    session.commit()
    session.refresh(row)
    return row


def remove_service(*, session: Session, row: AgencyService) -> None:
    """Delete a service; its versions stay on record, and its id stays its agency's."""
    session.delete(row)
    registry_changed(session)
    session.commit()


# --- The active registrations, parsed once per change ----------------------------------------


@dataclass(frozen=True)
class ActiveService:
    """An active service as the catalog and plans read it: detached copies, and the parsed
    registration. Shared between requests: read, never change."""

    row: AgencyService
    agency: Agency
    registration: ServiceRegistration


def registry_changed(session: Session) -> None:
    """Within the change's transaction: every process's parsed registrations are now stale."""
    token = uuid.uuid4().hex
    generation = session.get(RegistryGeneration, 1)
    if generation is None:
        session.add(RegistryGeneration(id=1, token=token))
    else:
        generation.token = token
        session.add(generation)


_snapshot_lock = threading.Lock()
_snapshot: tuple[str, dict[str, list[ActiveService]]] | None = None


def _generation(session: Session) -> str | None:
    return session.exec(select(RegistryGeneration.token).where(RegistryGeneration.id == 1)).first()


def _load_active(session: Session) -> dict[str, list[ActiveService]]:
    by_life_event: dict[str, list[ActiveService]] = {}
    rows = session.exec(
        select(AgencyService, Agency)
        .join(Agency, col(Agency.agency_id) == col(AgencyService.agency_id))
        .where(col(AgencyService.active))
        .order_by(col(AgencyService.service_id))
    ).all()
    for row, agency in rows:
        service = ActiveService(
            row=AgencyService(
                service_id=row.service_id,
                agency_id=row.agency_id,
                version=row.version,
                active=row.active,
                registration=row.registration,
                updated_at=row.updated_at,
            ),
            agency=Agency(
                agency_id=agency.agency_id, name=agency.name, created_at=agency.created_at
            ),
            registration=ServiceRegistration.model_validate(row.registration),
        )
        for life_event in service.registration.life_events:
            by_life_event.setdefault(life_event, []).append(service)
    return by_life_event


def active_services(*, session: Session, life_event: str) -> list[ActiveService]:
    """The active services registered for a life event, by service id. One small query while
    no registration changes (RegistryGeneration), whatever the number of registrations."""
    global _snapshot
    token = _generation(session)
    cached = _snapshot
    if token is not None and cached is not None and cached[0] == token:
        return list(cached[1].get(life_event, []))
    if token is None:
        # A database no change has marked yet (made before the token existed): mark it now, so
        # that the next reads share one parse.
        try:
            registry_changed(session)
            session.commit()
        except IntegrityError:  # another process marked it first
            session.rollback()
        token = _generation(session)
    loaded = _load_active(session)
    with _snapshot_lock:
        if token is not None:
            _snapshot = (token, loaded)
    return list(loaded.get(life_event, []))


def services_for_life_event(*, session: Session, life_event: str) -> list[AgencyService]:
    return [service.row for service in active_services(session=session, life_event=life_event)]
