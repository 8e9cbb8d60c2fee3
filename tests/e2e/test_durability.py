"""A worker killed (SIGKILL) mid-journey loses nothing and duplicates nothing."""

import time
from collections import Counter

from sqlmodel import Session, create_engine, select

from lifeevents.tables import NotificationRecord, PaymentLedgerEntry
from tests.support.smtp import SmtpServer
from tests.support.stack import Stack, birth_intake


def test_killing_the_worker_mid_flight_loses_and_duplicates_nothing(
    stack: Stack, smtp: SmtpServer
) -> None:
    emails = [f"durable-{i}@example.org" for i in range(4)]
    journeys = [stack.submit(birth_intake(email=email)) for email in emails]

    # Let steps get under way, then kill the worker without warning.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        states = {step["state"] for j in journeys for step in stack.status(j)["steps"]}
        if states & {"running", "waiting_for_agency"}:
            break
        time.sleep(0.05)
    stack.kill_worker()

    # Status is still answered while no worker runs (it reads history or waits for one).
    stack.start_process("worker")
    statuses = [stack.wait_until_done(j) for j in journeys]
    assert [s["state"] for s in statuses] == ["completed"] * len(journeys)

    engine = create_engine(f"sqlite:///{stack.folder / 'app.db'}")
    with Session(engine) as session:
        for journey_id, email in zip(journeys, emails, strict=True):
            # Exactly one submission per agency: the agency saw one request (retries reuse the
            # same webhook-id and are answered from its record, not recorded again).
            received = Counter(r["body"]["service_id"] for r in stack.received(journey_id))
            assert set(received.values()) == {1} and len(received) == 4
            # Exactly one ledger entry for the one paying service.
            payments = session.exec(
                select(PaymentLedgerEntry).where(PaymentLedgerEntry.journey_id == journey_id)
            ).all()
            assert len(payments) == 1
            # Exactly one message per notification.
            sent = session.exec(
                select(NotificationRecord).where(NotificationRecord.journey_id == journey_id)
            ).all()
            assert [n.status for n in sent] == ["sent"] * 4
            deadline = time.monotonic() + 10
            while len({m["Message-ID"] for m in smtp.inbox.messages(email)}) < 4 and (
                time.monotonic() < deadline
            ):
                time.sleep(0.1)
            # One message per notification. SMTP has no idempotency: a kill in the instant
            # between the server's "250 OK" and our commit resends the same Message-ID, which
            # a mail store keeps once; so count messages by Message-ID, as the mailbox does.
            messages = smtp.inbox.messages(email)
            assert len({m["Message-ID"] for m in messages}) == 4, [
                (m["Subject"], m["Message-ID"]) for m in messages
            ]
