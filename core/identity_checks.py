"""Failed identity checks: what the person is told, what operators see, and the rate limits.

A failed check tells the person one sentence whatever did not match, so the anonymous intake is
no oracle for who is on record or which detail is wrong. The precise reason is recorded here by
the identity activity (against a keyed hash of the national id, never the id) and shown to
operators only, through the journey's audited view. The intake counts recent failures per
client (a keyed hash of its address) and per national id, and refuses more intakes over a
limit until the window frees.

``GENERIC_REASON`` is read by the workflow sandbox: this module's top level is pure.
"""

import hashlib
import hmac
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.models import Language
from core.settings import Settings
from core.tables import IdentityCheckFailure

GENERIC_REASON: dict[Language, str] = {
    "en": "We could not verify your identity with the details given. Check them, or contact us.",
    "fr": (
        "Nous n'avons pas pu vérifier votre identité avec les renseignements fournis. "
        "Vérifiez-les, ou communiquez avec nous."
    ),
}


def _keyed(secret: str, purpose: str, value: str) -> str:
    return hmac.new(secret.encode(), f"{purpose}\n{value}".encode(), hashlib.sha256).hexdigest()


def national_id_hash(secret: str, national_id: str) -> str:
    """A keyed hash of a national id: whoever reads the table cannot test guessed ids."""
    return _keyed(secret, "identity-check:national-id", national_id.strip())


def client_ref(secret: str, address: str) -> str:
    """A keyed hash of a client's address: the plan and the table never hold the address."""
    return _keyed(secret, "identity-check:client", address.strip())


def client_address(
    peer: str | None, forwarded_for: str | None, trusted_proxy_hops: int
) -> str | None:
    """The client's address: the peer's, or, behind ``trusted_proxy_hops`` proxies that each
    append to X-Forwarded-For, the entry the outermost trusted proxy appended (the ones before
    it are whatever the client sent, and could be anything)."""
    if trusted_proxy_hops <= 0:
        return peer
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    if len(hops) < trusted_proxy_hops:
        return peer
    return hops[-trusted_proxy_hops]


def record_failure(
    session: Session,
    *,
    journey_id: str,
    national_id_hash: str,
    client_ref: str | None,
    reason: str,
) -> None:
    """Record one journey's failed check, once (a retried activity records nothing more)."""
    session.add(
        IdentityCheckFailure(
            journey_id=journey_id,
            national_id_hash=national_id_hash,
            client_ref=client_ref,
            reason=reason,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


def failure_reason(session: Session, journey_id: str) -> str | None:
    """The precise reason a journey's identity check failed (operators only), if it did."""
    failure = session.exec(
        select(IdentityCheckFailure).where(IdentityCheckFailure.journey_id == journey_id)
    ).first()
    return failure.reason if failure is not None else None


# --- Rate limits -------------------------------------------------------------------------------


def retry_after(
    failures: Sequence[datetime], now: datetime, limit: int, window: timedelta
) -> int | None:
    """Seconds until fewer than ``limit`` of ``failures`` fall in the window ending at a moment
    (so one more intake may fail without exceeding it); None if that is already so.

    With ``k >= limit`` failures in the window, oldest first, ``k - limit + 1`` of them must
    leave it: the last of those, ``failures[k - limit]``, leaves at its time plus the window.
    """
    recent = sorted(at for at in failures if at > now - window)
    if len(recent) < limit:
        return None
    frees_at = recent[len(recent) - limit] + window
    return max(1, math.ceil((frees_at - now).total_seconds()))


@dataclass(frozen=True)
class Limits:
    per_national_id: int
    per_client: int
    window: timedelta

    @classmethod
    def of(cls, settings: Settings) -> "Limits":
        return cls(
            per_national_id=settings.identity_failures_per_national_id,
            per_client=settings.identity_failures_per_client,
            window=timedelta(seconds=settings.identity_failure_window_seconds),
        )


def _aware(at: datetime) -> datetime:
    # SQLite gives naive datetimes back; they were written in UTC.
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _recent(session: Session, column: object, value: str, since: datetime) -> list[datetime]:
    statement = select(IdentityCheckFailure.at).where(
        column == value, col(IdentityCheckFailure.at) > since
    )
    return [_aware(at) for at in session.exec(statement).all()]


def throttled_for(
    session: Session,
    limits: Limits,
    *,
    national_id_hash: str,
    client_ref: str | None,
    now: datetime | None = None,
) -> int | None:
    """Seconds before an intake for this national id from this client may start a check, or
    None when neither has failed too often in the window."""
    now = now or datetime.now(UTC)
    since = now - limits.window
    waits = [
        retry_after(
            _recent(session, IdentityCheckFailure.national_id_hash, national_id_hash, since),
            now,
            limits.per_national_id,
            limits.window,
        )
    ]
    if client_ref is not None:
        waits.append(
            retry_after(
                _recent(session, IdentityCheckFailure.client_ref, client_ref, since),
                now,
                limits.per_client,
                limits.window,
            )
        )
    found = [wait for wait in waits if wait is not None]
    return max(found) if found else None
