"""A retried payment never pays twice, on SQLite and on PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.payment import record_payment
from core.db import get_engine
from core.models import PaymentInput
from core.tables import PaymentLedgerEntry
from simulated_agencies.demo import JORDAN

PAYMENT = PaymentInput(
    journey_id="j-1",
    service_id="revenue.child-benefit",
    idempotency_key="j-1/revenue/pay",
    payee_national_id=JORDAN.national_id,
    amount_cents=64875,
    currency="CAD",
)


def test_a_retried_payment_is_recorded_once(app_db: str) -> None:
    env = ActivityEnvironment()
    first = env.run(record_payment, PAYMENT)
    second = env.run(record_payment, PAYMENT)
    assert not first.already_recorded
    assert second.already_recorded and second.payment_id == first.payment_id
    with Session(get_engine()) as session:
        assert len(session.exec(select(PaymentLedgerEntry)).all()) == 1


def test_concurrent_attempts_record_one_payment(app_db: str) -> None:
    with ThreadPoolExecutor(6) as pool:
        receipts = list(
            pool.map(lambda _: ActivityEnvironment().run(record_payment, PAYMENT), range(6))
        )
    assert len({r.payment_id for r in receipts}) == 1
    assert sum(not r.already_recorded for r in receipts) == 1
