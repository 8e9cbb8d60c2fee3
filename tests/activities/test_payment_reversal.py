"""Reversing a payment against a real ledger (SQLite and PostgreSQL): an instructed payment is
reversed, once; a settled one cannot be, and the row stays exactly as it was."""

from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.compensation import reverse_payment
from activities.payment import record_payment
from core.db import get_engine
from core.models import PaymentInput, ReversePaymentInput
from core.tables import PaymentLedgerEntry
from simulated_agencies.demo import JORDAN

PAYMENT = PaymentInput(
    journey_id="j-rev",
    service_id="revenue.child-benefit",
    idempotency_key="j-rev/revenue.child-benefit/pay",
    payee_national_id=JORDAN.national_id,
    amount_cents=64875,
    currency="CAD",
)
REVERSAL = ReversePaymentInput(journey_id="j-rev", idempotency_key=PAYMENT.idempotency_key)


def ledger_row() -> dict[str, object]:
    with Session(get_engine()) as session:
        [entry] = session.exec(select(PaymentLedgerEntry)).all()
        return entry.model_dump()


def test_a_settled_payment_is_not_reversed_and_its_row_is_unchanged(app_db: str) -> None:
    env = ActivityEnvironment()
    paid = env.run(record_payment, PAYMENT)
    with Session(get_engine()) as session:
        entry = session.exec(select(PaymentLedgerEntry)).one()
        entry.status = "settled"  # the payments system settled it
        session.add(entry)
        session.commit()
    before = ledger_row()

    receipt = env.run(reverse_payment, REVERSAL)

    assert (receipt.payment_id, receipt.status) == (paid.payment_id, "not_reversed_settled")
    assert ledger_row() == before
    # Asked again (a retried compensation): the same answer, still nothing changed.
    assert env.run(reverse_payment, REVERSAL).status == "not_reversed_settled"
    assert ledger_row() == before


def test_an_instructed_payment_is_reversed_once(app_db: str) -> None:
    env = ActivityEnvironment()
    paid = env.run(record_payment, PAYMENT)
    first = env.run(reverse_payment, REVERSAL)
    second = env.run(reverse_payment, REVERSAL)
    assert (first.payment_id, first.status) == (paid.payment_id, "reversed")
    assert (second.payment_id, second.status) == (paid.payment_id, "reversed")
    row = ledger_row()
    assert (row["status"], row["amount_cents"]) == ("reversed", PAYMENT.amount_cents)


def test_nothing_to_reverse_when_nothing_was_paid(app_db: str) -> None:
    receipt = ActivityEnvironment().run(reverse_payment, REVERSAL)
    assert (receipt.payment_id, receipt.status) == (0, "none")
