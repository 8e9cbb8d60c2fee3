"""Payment: instruct a payment once, recorded in the ledger under a unique idempotency key."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from temporalio import activity

from core.db import get_engine
from core.models import PaymentInput, PaymentReceipt
from core.tables import PaymentLedgerEntry


def _existing(session: Session, key: str) -> PaymentLedgerEntry | None:
    statement = select(PaymentLedgerEntry).where(PaymentLedgerEntry.idempotency_key == key)
    return session.exec(statement).first()


@activity.defn
def record_payment(request: PaymentInput) -> PaymentReceipt:
    """Insert the ledger entry; a retry (or a second worker) finds it and pays nothing more."""
    with Session(get_engine()) as session:
        entry = _existing(session, request.idempotency_key)
        if entry is None:
            entry = PaymentLedgerEntry(
                idempotency_key=request.idempotency_key,
                journey_id=request.journey_id,
                service_id=request.service_id,
                payee_national_id=request.payee_national_id,
                amount_cents=request.amount_cents,
                currency=request.currency,
            )
            session.add(entry)
            try:
                session.commit()
            except IntegrityError:
                # Another attempt committed the same key between our read and our insert.
                session.rollback()
                entry = _existing(session, request.idempotency_key)
                assert entry is not None
            else:
                session.refresh(entry)
                assert entry.id is not None
                return PaymentReceipt(payment_id=entry.id, status=entry.status)
        assert entry.id is not None
        return PaymentReceipt(payment_id=entry.id, status=entry.status, already_recorded=True)
