"""The delivery log: what was sent to which agency when, and what came back; and per service,
how often submissions fail and how often the agency misses its SLA.

Rows hold no personal data: the journey's id, the service, the submission round and attempt,
the HTTP status, the kind of failure, the time taken and the kind of decision (see
``tables.DeliveryAttempt``). The submission activity writes a row per attempt, the callback
route one per decision received; neither fails what it logs when the log cannot be written.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from core.tables import DeliveryAttempt

log = structlog.get_logger(__name__)

SUCCESSES = frozenset({"decided", "accepted"})


def record(session: Session, entry: DeliveryAttempt) -> None:
    """Append one row; a database that refuses it is logged, never raised (the delivery or
    the decision it describes has happened, and must not be retried for a log line)."""
    try:
        session.add(entry)
        session.commit()
    except SQLAlchemyError as error:
        session.rollback()
        log.warning(
            "delivery log not written",
            journey_id=entry.journey_id,
            service_id=entry.service_id,
            error=type(error).__name__,
        )


@dataclass(frozen=True)
class ServiceRates:
    """A service's deliveries since a moment: submissions (a journey's round), those that never
    got through (every attempt failed), those the agency accepted to decide later, and those of
    them decided after the SLA or still undecided past it."""

    submissions: int
    failed: int
    awaited: int
    sla_breaches: int

    @property
    def failure_rate(self) -> float | None:
        return self.failed / self.submissions if self.submissions else None

    @property
    def sla_breach_rate(self) -> float | None:
        return self.sla_breaches / self.awaited if self.awaited else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rates(
    session: Session,
    agency_id: str,
    service_id: str,
    *,
    sla: timedelta,
    since: datetime,
    now: datetime,
) -> ServiceRates:
    rows = session.exec(
        select(DeliveryAttempt)
        .where(
            DeliveryAttempt.agency_id == agency_id,
            DeliveryAttempt.service_id == service_id,
            col(DeliveryAttempt.at) >= since,
        )
        .order_by(col(DeliveryAttempt.id))
    ).all()
    outcomes: dict[tuple[str, int], list[str]] = {}
    accepted_at: dict[tuple[str, int], datetime] = {}
    decided_at: dict[tuple[str, int], datetime] = {}
    for row in rows:
        key = (row.journey_id, row.round)
        if row.kind == "callback":
            decided_at.setdefault(key, _aware(row.at))
            continue
        outcomes.setdefault(key, []).append(row.outcome)
        if row.outcome == "accepted":
            accepted_at.setdefault(key, _aware(row.at))
    failed = sum(1 for seen in outcomes.values() if not SUCCESSES.intersection(seen))
    breaches = sum(
        1 for key, accepted in accepted_at.items() if decided_at.get(key, now) - accepted > sla
    )
    return ServiceRates(
        submissions=len(outcomes), failed=failed, awaited=len(accepted_at), sla_breaches=breaches
    )
