"""The audit trail: who did what to which journey or agency, in a hash chain.

``append`` writes one entry in its own transaction and moves the chain's head with a
compare-and-set (so concurrent appends, from any process, on SQLite or PostgreSQL, stay in one
chain: the loser retries on the new head); ``verify`` recomputes the chain and names the first
entry that does not match.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lifeevents.tables import AuditEntry, AuditHead

GENESIS = "0" * 64
MAX_ATTEMPTS = 50


def _digest(entry: AuditEntry, prev_hash: str) -> str:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    content = json.dumps(
        [
            prev_hash,
            at.isoformat(),
            entry.actor,
            entry.action,
            entry.journey_id,
            entry.agency_id,
            entry.detail,
            entry.event_key,
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(content.encode()).hexdigest()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    journey_id: str | None = None,
    agency_id: str | None = None,
    detail: dict[str, Any] | None = None,
    event_key: str | None = None,
) -> None:
    """Record one entry (once per ``event_key``). Commits."""
    for _ in range(MAX_ATTEMPTS):
        if (
            event_key
            and session.exec(select(AuditEntry).where(AuditEntry.event_key == event_key)).first()
        ):
            return
        head = _head(session)
        entry = AuditEntry(
            at=datetime.now(UTC).replace(microsecond=0),
            actor=actor,
            action=action,
            journey_id=journey_id,
            agency_id=agency_id,
            detail=detail or {},
            event_key=event_key,
            prev_hash=head,
            hash="",
        )
        entry.hash = _digest(entry, head)
        moved: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(AuditHead)
            .where(col(AuditHead.id) == 1, col(AuditHead.last_hash) == head)
            .values(last_hash=entry.hash)
        )
        if moved.rowcount != 1:
            session.rollback()  # another append moved the head first: chain onto the new one
            continue
        session.add(entry)
        try:
            session.commit()
            return
        except IntegrityError:
            session.rollback()  # the same event_key, recorded concurrently: checked above
    raise RuntimeError("could not append to the audit trail: too much contention")


def _head(session: Session) -> str:
    """The chain's last hash, creating the head row on first use."""
    row = session.get(AuditHead, 1, populate_existing=True)
    if row is not None:
        return row.last_hash
    session.add(AuditHead(id=1, last_hash=GENESIS))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # created concurrently
    row = session.get(AuditHead, 1, populate_existing=True)
    assert row is not None
    return row.last_hash


def verify(session: Session) -> int | None:
    """The id of the first entry that breaks the chain, or None when it is whole."""
    prev = GENESIS
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
        if entry.prev_hash != prev or entry.hash != _digest(entry, prev):
            assert entry.id is not None
            return entry.id
        prev = entry.hash
    head = session.get(AuditHead, 1)
    if head is not None and head.last_hash != prev:
        return -1  # entries were removed from the end
    return None
