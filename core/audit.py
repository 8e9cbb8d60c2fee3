"""The audit trail: who did what to which journey or agency, in a keyed hash chain.

``append`` writes one entry in its own transaction and moves the chain's head with a
compare-and-set (so concurrent appends, from any process, on SQLite or PostgreSQL, stay in one
chain: the loser retries on the new head); ``verify`` recomputes the chain and names the first
entry that does not match.

Tamper evidence against someone who can write the database: every hash is an HMAC-SHA256 under
AUDIT_KEY, which lives outside the database, so a deleted or edited entry cannot be hidden by
re-hashing the chain after it. The head row's entry count and last hash are keyed too, and the
same head (count, last hash, keyed) is written after each append to the anchor file
(AUDIT_ANCHOR_FILE, outside the database): a trail cut short, with its head row put back on the
new last entry, no longer reaches the anchor. ``report`` checks both.
"""

import fcntl
import hashlib
import hmac
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.settings import Settings, get_settings
from core.tables import AuditEntry, AuditHead

log = structlog.get_logger(__name__)

GENESIS = "0" * 64
MAX_ATTEMPTS = 50
TRUNCATED = -1  # what verify answers when the head does not seal the chain's last entry


def _mac(key: bytes, content: object) -> str:
    message = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _seal(key: bytes, entries: int, last_hash: str) -> str:
    """The head row's MAC: the number of entries and the last one's hash."""
    return _mac(key, ["head", entries, last_hash])


def _anchor_mac(key: bytes, entries: int, last_hash: str) -> str:
    return _mac(key, ["anchor", entries, last_hash])


def _digest(entry: AuditEntry, prev_hash: str, key: bytes) -> str:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    return _mac(
        key,
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
    )


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
    """Record one entry (once per ``event_key``). Commits, then moves the anchor file."""
    settings = get_settings()
    key = settings.effective_audit_key
    for _ in range(MAX_ATTEMPTS):
        if (
            event_key
            and session.exec(select(AuditEntry).where(AuditEntry.event_key == event_key)).first()
        ):
            return
        head_row = _head(session, key)
        head, entries = head_row.last_hash, head_row.entries
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
        entry.hash = _digest(entry, head, key)
        moved: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(AuditHead)
            .where(
                col(AuditHead.id) == 1,
                col(AuditHead.last_hash) == head,
                col(AuditHead.entries) == entries,
            )
            .values(
                last_hash=entry.hash, entries=entries + 1, mac=_seal(key, entries + 1, entry.hash)
            )
        )
        if moved.rowcount != 1:
            session.rollback()  # another append moved the head first: chain onto the new one
            continue
        session.add(entry)
        # Read before the commit expires the entry: reading it after would load it back.
        sealed = entry.hash
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # the same event_key, recorded concurrently: checked above
            continue
        write_anchor(settings, entries + 1, sealed)
        return
    raise RuntimeError("could not append to the audit trail: too much contention")


def _head(session: Session, key: bytes) -> AuditHead:
    """The chain's head row, creating it on first use."""
    row = session.get(AuditHead, 1, populate_existing=True)
    if row is not None:
        return row
    session.add(AuditHead(id=1, last_hash=GENESIS, entries=0, mac=_seal(key, 0, GENESIS)))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # created concurrently
    row = session.get(AuditHead, 1, populate_existing=True)
    assert row is not None
    return row


def _walk(session: Session, key: bytes, mark: int = 0) -> tuple[int | None, int, str, str | None]:
    """(first broken entry id or None, entries, last hash, hash of entry number ``mark``)."""
    prev, count, at_mark = GENESIS, 0, None
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
        if entry.prev_hash != prev or not hmac.compare_digest(
            entry.hash, _digest(entry, prev, key)
        ):
            assert entry.id is not None
            return entry.id, count, prev, at_mark
        prev = entry.hash
        count += 1
        if count == mark:
            at_mark = prev
    return None, count, prev, at_mark


def _sealed(session: Session, key: bytes, count: int, last: str) -> bool:
    """Whether the head row seals a chain of ``count`` entries ending in ``last``."""
    head = session.get(AuditHead, 1, populate_existing=True)
    if head is None:
        return count == 0
    return (
        head.last_hash == last
        and head.entries == count
        and hmac.compare_digest(head.mac, _seal(key, count, last))
    )


def verify(session: Session, key: bytes | None = None) -> int | None:
    """The id of the first entry that breaks the chain, TRUNCATED when the head row does not
    seal the chain's end (entries removed from the end), or None when it is whole."""
    key = key if key is not None else get_settings().effective_audit_key
    broken, count, last, _ = _walk(session, key)
    if broken is not None:
        return broken
    return None if _sealed(session, key, count, last) else TRUNCATED


def report(session: Session, settings: Settings) -> str | None:
    """What is wrong with the trail, checked with its key and against its anchor file; None
    when it is whole. (``lifeevents audit-verify`` prints it.)"""
    key = settings.effective_audit_key
    path = settings.effective_audit_anchor_file
    anchor = read_anchor(path, key)
    mark = anchor[0] if isinstance(anchor, tuple) else 0
    broken, count, last, at_anchor = _walk(session, key, mark)
    if broken is not None:
        return f"entry {broken}"
    if not _sealed(session, key, count, last):
        return "its last entries were removed"
    if isinstance(anchor, str):
        return anchor if count else None  # an empty trail needs no anchor yet
    entries, last_hash = anchor
    if count < entries:
        return (
            f"its last entries were removed (the anchor {path} records {entries} entries, "
            f"the database holds {count})"
        )
    if entries and (at_anchor is None or not hmac.compare_digest(at_anchor, last_hash)):
        return f"entry number {entries} is not the one the anchor {path} records"
    return None


def read_anchor(path: Path, key: bytes) -> tuple[int, str] | str:
    """The anchored (entries, last hash), or what is wrong with the anchor file."""
    try:
        content = json.loads(path.read_text())
        entries, last_hash, mac = content["entries"], content["last_hash"], content["mac"]
        if not isinstance(entries, int) or not isinstance(last_hash, str):
            raise TypeError
    except FileNotFoundError:
        return f"its anchor file {path} is missing"
    except (OSError, ValueError, KeyError, TypeError):
        return f"its anchor file {path} is unreadable"
    if not isinstance(mac, str) or not hmac.compare_digest(
        mac, _anchor_mac(key, entries, last_hash)
    ):
        return f"its anchor file {path} is not genuine (or AUDIT_KEY changed)"
    return entries, last_hash


def write_anchor(settings: Settings, entries: int, last_hash: str) -> None:
    """Move the anchor file forward to this head; never back (concurrent appends may finish
    in any order). Best effort: the entry is committed already; a failure is logged."""
    path = settings.effective_audit_anchor_file
    key = settings.effective_audit_key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_name(path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # across processes sharing the file
            current = read_anchor(path, key) if path.exists() else None
            # Not overwritten: a forged or foreign anchor stays for audit-verify to report.
            if isinstance(current, str):
                log.error("the audit anchor is not ours: left as it is", problem=current)
                return
            if current is not None and current[0] >= entries:
                return
            content = {
                "entries": entries,
                "last_hash": last_hash,
                "mac": _anchor_mac(key, entries, last_hash),
            }
            temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            with open(temporary, "w") as file:
                json.dump(content, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
    except OSError as error:
        log.error("could not write the audit anchor", path=str(path), error=str(error))
