"""The audit trail is a hash chain: any edit, deletion or reordering is found and named."""

import os
import subprocess
import sys

from sqlalchemy import text
from sqlmodel import Session, select

from core import audit
from core.db import get_engine
from core.tables import AuditEntry


def _fill(session: Session) -> None:
    for i in range(5):
        audit.append(
            session, actor="citizen", action=f"step-{i}", journey_id="j-1", detail={"n": i}
        )
    audit.append(session, actor="agency:x", action="once", event_key="k-1")
    audit.append(session, actor="agency:x", action="once", event_key="k-1")  # idempotent


def _verify_command(app_db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "audit-verify"],
        capture_output=True,
        text=True,
        env={
            "DATABASE_URL": app_db,
            "PATH": "",
            # Development keys (as in this process), and the anchor file the appends wrote.
            "ENVIRONMENT": "development",
            "DATA_DIR": os.environ["DATA_DIR"],
        },
        timeout=60,
    )


def test_a_whole_chain_verifies(app_db: str) -> None:
    with Session(get_engine()) as session:
        _fill(session)
        assert len(session.exec(select(AuditEntry)).all()) == 6
        assert audit.verify(session) is None
    result = _verify_command(app_db)
    assert (result.returncode, result.stdout.strip()) == (0, "The audit trail is whole.")


def test_an_edited_entry_is_named(app_db: str) -> None:
    with Session(get_engine()) as session:
        _fill(session)
        third = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()[2]  # type: ignore[arg-type]
        session.exec(text(f"UPDATE auditentry SET action = 'forged' WHERE id = {third.id}"))  # type: ignore[call-overload]
        session.commit()
        assert audit.verify(session) == third.id
    result = _verify_command(app_db)
    assert result.returncode == 1
    assert result.stdout.strip() == f"The audit trail is broken: entry {third.id}."


def test_a_deleted_entry_is_found(app_db: str) -> None:
    with Session(get_engine()) as session:
        _fill(session)
        entries = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()  # type: ignore[arg-type]
        session.exec(text(f"DELETE FROM auditentry WHERE id = {entries[1].id}"))  # type: ignore[call-overload]
        session.exec(text(f"DELETE FROM auditentry WHERE id = {entries[-1].id}"))  # type: ignore[call-overload]
        session.commit()
        assert audit.verify(session) == entries[2].id


def test_concurrent_appends_stay_in_one_chain(app_db: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def write(i: int) -> None:
        with Session(get_engine()) as session:
            audit.append(session, actor="worker", action="shared", event_key=f"c-{i}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(40)))
    with Session(get_engine()) as session:
        assert len(session.exec(select(AuditEntry)).all()) == 40
        assert audit.verify(session) is None
