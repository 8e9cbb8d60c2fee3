"""Compensation building blocks for a cancelled journey: withdraw a submission, reverse a
payment. Both are idempotent: running one twice undoes nothing more."""

from sqlmodel import Session, select
from temporalio import activity

from activities.submission import agency_client, checked_target, signed
from core.db import get_engine
from core.models import PaymentReceipt, ReversePaymentInput, WithdrawalInput
from core.tables import PaymentLedgerEntry


@activity.defn
async def withdraw_submission(notice: WithdrawalInput) -> None:
    """Tell the agency the person withdrew; the same ``webhook-id`` on every attempt. Its URL is
    checked just before sending, as a submission's is (refused: a non-retryable error)."""
    url, host, extensions = await checked_target(notice.url)
    body = notice.model_dump_json(exclude={"url", "agency_id"}).encode()
    headers = await signed(notice.agency_id, notice.idempotency_key, body)
    async with agency_client(10) as client:
        response = await client.post(
            url, content=body, headers={**headers, **host}, extensions=extensions
        )
    if response.status_code >= 500:
        response.raise_for_status()


@activity.defn
def reverse_payment(request: ReversePaymentInput) -> PaymentReceipt:
    """Reverse an instructed payment. A settled one cannot be: it stays, and we say so."""
    with Session(get_engine()) as session:
        statement = select(PaymentLedgerEntry).where(
            PaymentLedgerEntry.idempotency_key == request.idempotency_key
        )
        entry = session.exec(statement.with_for_update()).first()
        if entry is None:
            return PaymentReceipt(payment_id=0, status="none")
        if entry.status == "instructed":
            entry.status = "reversed"
            session.add(entry)
            session.commit()
        assert entry.id is not None
        status = "reversed" if entry.status == "reversed" else "not_reversed_settled"
        return PaymentReceipt(payment_id=entry.id, status=status)
