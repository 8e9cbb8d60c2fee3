"""Personal data is purged after the retention period; anonymous counts stay."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from core.db import get_engine
from core.retention import purge
from core.tables import (
    ConsentRecord,
    IdentityCheckFailure,
    IntakeRecord,
    PaymentLedgerEntry,
    RetentionTotal,
)
from simulated_agencies.demo import JORDAN

OLD = datetime.now(UTC) - timedelta(days=400)


def _rows(session: Session) -> None:
    for when, tag in ((OLD, "old"), (datetime.now(UTC), "new")):
        session.add(
            PaymentLedgerEntry(
                idempotency_key=f"{tag}/pay",
                journey_id=tag,
                service_id="revenue.child-benefit",
                payee_national_id=JORDAN.national_id,
                amount_cents=500,
                currency="CAD",
                created_at=when,
            )
        )
        session.add(
            ConsentRecord(
                journey_id=tag,
                service_id="health.card",
                agency_id="health",
                purpose="Enrol",
                given=True,
                source="intake",
                recorded_at=when,
            )
        )
        session.add(
            IntakeRecord(
                idempotency_key=f"{tag}-key",
                request_hash="h",
                journey_id=tag,
                life_event="birth",
                created_at=when,
            )
        )
        session.add(
            IdentityCheckFailure(
                journey_id=tag,
                national_id_hash=f"{tag}-hash",
                reason="No such person",
                at=when,
            )
        )
    session.commit()


def test_purge_removes_old_personal_data_and_keeps_counts(app_db: str) -> None:
    with Session(get_engine()) as session:
        _rows(session)
        report = purge(session, datetime.now(UTC) - timedelta(days=365))
        assert report == {
            "paymentledgerentry": 1,
            "consentrecord": 1,
            "intakerecord": 1,
            "identitycheckfailure": 1,
        }
        payees = {
            p.journey_id: p.payee_national_id for p in session.exec(select(PaymentLedgerEntry))
        }
        assert payees == {"old": "", "new": JORDAN.national_id}
        assert [c.journey_id for c in session.exec(select(ConsentRecord))] == ["new"]
        assert [i.journey_id for i in session.exec(select(IntakeRecord))] == ["new"]
        assert [f.journey_id for f in session.exec(select(IdentityCheckFailure))] == ["new"]
        totals = {
            (t.table_name, t.service_id): (t.count, t.amount_cents)
            for t in session.exec(select(RetentionTotal))
        }
        assert totals == {
            ("paymentledgerentry", "revenue.child-benefit"): (1, 500),
            ("consentrecord", "health.card"): (1, 0),
        }
        # A second purge finds nothing more.
        assert purge(session, datetime.now(UTC) - timedelta(days=365)) == {
            "paymentledgerentry": 0,
            "consentrecord": 0,
            "intakerecord": 0,
            "identitycheckfailure": 0,
        }


def test_the_purge_command(app_db: str) -> None:
    with Session(get_engine()) as session:
        _rows(session)
    result = subprocess.run(
        [sys.executable, "-m", "cli", "purge"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DATABASE_URL": app_db, "RETENTION_DAYS": "30"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "paymentledgerentry: 1, consentrecord: 1, intakerecord: 1, identitycheckfailure: 1"
    )
