"""Resolving a plan at intake: definition + registered services + the person's choices.

The plan is pinned into the journey's input, so a journey in flight never changes when the
catalog or the registry does.
"""

from datetime import UTC, date, datetime, time
from typing import Any, cast

from sqlmodel import Session

from core.catalog import LifeEventDefinition
from core.fields import get_path
from core.models import DeadlinePlan, JourneyPlan, Language, ProactiveOffer, ServicePlan
from core.registry import RegistryError, ServiceRegistration, active_services
from core.tables import Agency, AgencyService


class BundleEntry:
    """A service this life event can reach: its registration and whether it is optional."""

    def __init__(
        self,
        row: AgencyService,
        agency: Agency,
        optional: bool,
        registration: ServiceRegistration | None = None,
    ) -> None:
        self.row = row
        self.agency = agency
        self.optional = optional
        self.registration = registration or ServiceRegistration.model_validate(row.registration)


def service_plan(
    row: AgencyService, agency: Agency, registration: ServiceRegistration, **pinned: Any
) -> ServicePlan:
    """A registered service as a plan pins it; ``pinned`` adds or overrides plan-only fields
    (what the life event's definition and the person's consent say)."""
    return ServicePlan(
        **{
            "service_id": row.service_id,
            "agency_id": agency.agency_id,
            "agency_name": agency.name,
            "agency_names": registration.agency_name,
            "title": registration.title,
            "registration_version": row.version,
            "fields": registration.fields,
            "delivery": registration.delivery,
            "eligibility": registration.eligibility,
            "payment": registration.payment if registration.pays else None,
            "sla": registration.sla,
            "retry": registration.retry,
            "withdrawal": registration.withdrawal,
            "on_sla": registration.on_sla,
            "information_deadline": registration.information_deadline,
            "reminder_every": registration.reminder_every,
            "burden": registration.burden,
            **pinned,
        }
    )


def bundle(*, session: Session, definition: LifeEventDefinition) -> list[BundleEntry]:
    """The registered services of a life event, the definition's own first, in its order.

    A service an agency registers for this life event joins the bundle as optional unless the
    definition says otherwise; a bundle service nobody has registered yet is simply not offered.
    """
    active = {
        service.row.service_id: service
        for service in active_services(session=session, life_event=definition.type)
    }
    declared = {service.id: service.optional for service in definition.services}
    order = [sid for sid in declared if sid in active] + sorted(set(active) - set(declared))
    return [
        BundleEntry(
            active[service_id].row,
            active[service_id].agency,
            declared.get(service_id, True),
            active[service_id].registration,
        )
        for service_id in order
    ]


def resolve_plan(
    *,
    session: Session,
    definition: LifeEventDefinition,
    intake: dict[str, Any],
    journey_id: str,
    callback_base_url: str,
    offer: ProactiveOffer | None = None,
) -> JourneyPlan:
    """The plan for an intake; for a proactive start (``offer``), every service of the bundle
    is planned and the person chooses among them when they confirm."""
    entries = bundle(session=session, definition=definition)
    chosen: list[str] | None = intake.get("services")
    if offer is not None:
        selected = entries
    elif chosen is None:
        selected = [entry for entry in entries if not entry.optional]
    else:
        by_id = {entry.row.service_id: entry for entry in entries}
        for index, service_id in enumerate(chosen):
            if service_id not in by_id:
                raise RegistryError(
                    ("services", index),
                    f"'{service_id}' is not a service of the '{definition.type}' life event",
                )
        selected = [entry for entry in entries if entry.row.service_id in chosen]
    if not selected:
        raise RegistryError(("services",), "no service is available for this life event yet")
    selected_ids = {entry.row.service_id for entry in selected}
    for entry in selected if offer is None else []:
        bundled = definition.service(entry.row.service_id)
        for need in bundled.needs if bundled else []:
            if need not in selected_ids:
                where = (
                    ("services",)
                    if chosen is None
                    else ("services", chosen.index(entry.row.service_id))
                )
                raise RegistryError(
                    where, f"'{entry.row.service_id}' needs '{need}': choose it too"
                )
    consented = set(intake.get("consents", []))
    now = datetime.now(UTC)

    def due(field: str | None) -> datetime:
        if field is None:
            return now
        value = get_path(intake, field)
        return datetime.combine(date.fromisoformat(str(value)), time.max, tzinfo=UTC)

    deadlines = [
        DeadlinePlan(
            id=deadline.id,
            title=deadline.title,
            due_at=due(deadline.from_field) + deadline.period,
            services=[s for s in deadline.services if s in selected_ids],
        )
        for deadline in definition.deadlines
        if selected_ids & set(deadline.services)
    ]

    language = cast(Language, intake.get("contact", {}).get("language", "en"))
    return JourneyPlan(
        journey_id=journey_id,
        life_event=definition.type,
        definition_version=definition.version,
        language=language,
        intake=intake,
        callback_base_url=callback_base_url,
        deadlines=deadlines,
        proactive=offer,
        services=[
            service_plan(
                entry.row,
                entry.agency,
                entry.registration,
                needs=bundled.needs
                if (bundled := definition.service(entry.row.service_id))
                else [],
                purpose=bundled.purpose if bundled and bundled.purpose else None,
                consent=True if entry.row.service_id in consented else None,
            )
            for entry in selected
        ],
    )
