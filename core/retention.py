"""Retention: personal data does not outlive its purpose.

- Temporal keeps a closed journey's history for the namespace's retention
  (``TEMPORAL_RETENTION_DAYS``, set by ``lifeevents setup``), then deletes it.
- ``lifeevents purge`` removes, from the app database, what is older than ``RETENTION_DAYS``:
  payees' national ids in the payment ledger are blanked (amounts stay, for the accounts),
  consent records and intake keys are deleted. What was removed is kept as anonymous counts.
  The audit trail holds no personal values and is kept whole.
"""

from collections import Counter
from datetime import datetime

from sqlmodel import Session, col, select

from core.tables import (
    ConsentRecord,
    IdentityCheckFailure,
    IntakeRecord,
    PaymentLedgerEntry,
    RetentionTotal,
)

PURGED = ""


def purge(session: Session, older_than: datetime) -> dict[str, int]:
    """Remove personal data recorded before ``older_than``; how many rows, per table."""
    report: dict[str, int] = {}
    payments = session.exec(
        select(PaymentLedgerEntry).where(
            col(PaymentLedgerEntry.created_at) < older_than,
            col(PaymentLedgerEntry.payee_national_id) != PURGED,
        )
    ).all()
    totals: Counter[str] = Counter()
    amounts: Counter[str] = Counter()
    for payment in payments:
        payment.payee_national_id = PURGED
        totals[payment.service_id] += 1
        amounts[payment.service_id] += payment.amount_cents
        session.add(payment)
    for service_id, count in totals.items():
        session.add(
            RetentionTotal(
                table_name="paymentledgerentry",
                service_id=service_id,
                count=count,
                amount_cents=amounts[service_id],
            )
        )
    report["paymentledgerentry"] = len(payments)

    consents = session.exec(
        select(ConsentRecord).where(col(ConsentRecord.recorded_at) < older_than)
    ).all()
    for service_id, count in Counter(c.service_id for c in consents).items():
        session.add(RetentionTotal(table_name="consentrecord", service_id=service_id, count=count))
    for consent in consents:
        session.delete(consent)
    report["consentrecord"] = len(consents)

    intakes = session.exec(
        select(IntakeRecord).where(col(IntakeRecord.created_at) < older_than)
    ).all()
    for intake in intakes:
        session.delete(intake)
    report["intakerecord"] = len(intakes)

    # Failed identity checks hold keyed hashes of a national id and an address: personal.
    failures = session.exec(
        select(IdentityCheckFailure).where(col(IdentityCheckFailure.at) < older_than)
    ).all()
    for failure in failures:
        session.delete(failure)
    report["identitycheckfailure"] = len(failures)
    session.commit()
    return report
