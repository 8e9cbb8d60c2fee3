"""The audit trail against someone who can write the database but holds neither AUDIT_KEY nor
the anchor file: deleting an entry and re-hashing the chain is found, and so is cutting the
trail short and putting the head row back on the new last entry."""

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session, col, select

from core import audit
from core.db import get_engine
from core.migrations import upgrade
from core.settings import get_settings
from core.tables import AuditEntry


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ENVIRONMENT", "development")
    get_settings.cache_clear()
    get_engine.cache_clear()
    upgrade(get_engine())
    yield url
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def _fill(session: Session, count: int = 6) -> None:
    for i in range(count):
        audit.append(session, actor="operator", action=f"step-{i}", journey_id="j-1")


def _entries(session: Session) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all())


def _plain_sha256(entry: AuditEntry, prev_hash: str) -> str:
    """The chain's hash as it was before it was keyed: all an attacker without the key has."""
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


def _set_head(session: Session, last_hash: str, entries: int, mac: str | None = None) -> None:
    """Move the head row as an attacker would (only the columns that exist)."""
    columns = {column["name"] for column in inspect(session.get_bind()).get_columns("audithead")}
    values = {"last_hash": last_hash}
    if "entries" in columns:
        values["entries"] = str(entries)
    if "mac" in columns and mac is not None:
        values["mac"] = mac
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    session.execute(text(f"UPDATE audithead SET {assignments} WHERE id = 1"), values)
    session.commit()


def _verify_command() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "audit-verify"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "",
            "ENVIRONMENT": "development",
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "DATA_DIR": os.environ["DATA_DIR"],
        },
    )


def test_a_whole_keyed_trail_verifies(app_db: str) -> None:
    with Session(get_engine()) as session:
        _fill(session)
        assert audit.verify(session) is None
        # Keyed: the same entries do not verify under another key.
        first = _entries(session)[0]
        assert audit.verify(session, key=b"another key, not the audit key!!") == first.id
    result = _verify_command()
    assert (result.returncode, result.stdout.strip()) == (0, "The audit trail is whole.")


def test_a_deleted_entry_re_hashed_without_the_key_is_found(app_db: str) -> None:
    with Session(get_engine()) as session:
        _fill(session)
        entries = _entries(session)
        removed = entries[2]
        session.execute(text("DELETE FROM auditentry WHERE id = :id"), {"id": removed.id})
        # Re-chain everything after it, as sha256 over the same content.
        prev = entries[1].hash
        for entry in entries[3:]:
            new_hash = _plain_sha256(entry, prev)
            session.execute(
                text("UPDATE auditentry SET prev_hash = :p, hash = :h WHERE id = :id"),
                {"p": prev, "h": new_hash, "id": entry.id},
            )
            prev = new_hash
        session.commit()
        _set_head(session, prev, len(entries) - 1)
        assert audit.verify(session) is not None
    result = _verify_command()
    assert result.returncode == 1, result.stdout
    assert result.stdout.startswith("The audit trail is broken:"), result.stdout


def test_a_truncated_trail_with_its_head_row_fixed_is_found(app_db: str) -> None:
    with Session(get_engine()) as session:
        _fill(session)
        entries = _entries(session)
        session.execute(
            text("DELETE FROM auditentry WHERE id >= :id"), {"id": entries[4].id}
        )  # the last two
        session.commit()
        _set_head(session, entries[3].hash, 4)
        assert audit.verify(session) == audit.TRUNCATED  # the head row's MAC no longer matches
    result = _verify_command()
    assert result.returncode == 1, result.stdout
    assert "its last entries were removed" in result.stdout


def test_a_replayed_head_row_is_caught_by_the_anchor(app_db: str) -> None:
    """An attacker who copied the whole head row (MAC included) when the trail had four entries
    puts it back after cutting the trail to four: the database is consistent again, but the
    anchor file outside it records six entries."""
    with Session(get_engine()) as session:
        _fill(session, 4)
        head = session.execute(text("SELECT * FROM audithead WHERE id = 1")).mappings().one()
        copied = dict(head)
        _fill(session, 2)
        entries = _entries(session)
        session.execute(text("DELETE FROM auditentry WHERE id >= :id"), {"id": entries[4].id})
        session.commit()
        _set_head(session, copied["last_hash"], 4, copied.get("mac"))
        assert audit.verify(session) is None  # the database alone cannot tell
    result = _verify_command()
    assert result.returncode == 1, result.stdout
    assert "its last entries were removed" in result.stdout
    assert "records 6 entries, the database holds 4" in result.stdout


def test_the_anchor_file_is_kept_outside_the_database(app_db: str, tmp_path: Path) -> None:
    with Session(get_engine()) as session:
        _fill(session, 3)
    anchor = json.loads((tmp_path / "audit.anchor").read_text())
    assert anchor["entries"] == 3 and set(anchor) == {"entries", "last_hash", "mac"}
    # A forged anchor (no key) is reported, and appends do not overwrite it.
    (tmp_path / "audit.anchor").write_text(json.dumps({**anchor, "entries": 1}))
    result = _verify_command()
    assert result.returncode == 1 and "not genuine" in result.stdout, result.stdout
    # A missing anchor, with entries in the trail, is reported too.
    (tmp_path / "audit.anchor").unlink()
    result = _verify_command()
    assert result.returncode == 1 and "missing" in result.stdout, result.stdout


def test_the_anchor_never_moves_back(app_db: str, tmp_path: Path) -> None:
    settings = get_settings()
    with Session(get_engine()) as session:
        _fill(session, 3)
        last = _entries(session)[-1].hash
    audit.write_anchor(settings, 2, "f" * 64)  # a slower concurrent append finishing late
    assert json.loads((tmp_path / "audit.anchor").read_text())["entries"] == 3
    assert audit.read_anchor(tmp_path / "audit.anchor", settings.effective_audit_key) == (3, last)
