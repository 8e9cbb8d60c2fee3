"""A worker killed (SIGKILL) again and again while submissions, e-mails and payments are under
way loses nothing and duplicates nothing.

Six birth journeys, three kills, each at a moment read from real progress: when the agencies
have received some of the first journeys' submissions; when an e-mail to one of them arrives;
when the first payment of the later journeys is in the ledger. The worker is restarted after
each kill. The session's SMTP server acknowledges this test's messages late (each is kept at
once, its "250 OK" comes SLOW_ACK seconds later), so an e-mail seen arriving just before a kill
is, for certain, still in flight in the killed worker's activity: Temporal must time that
attempt out and retry it, and the retry must send the same message again (same Message-ID),
not a second one. What is checked at the end is read from the real parts: each journey's and
each step's Temporal history (how many activities were scheduled, at which attempt each one
finished), the agencies' own record of every request and of how many times each idempotency
key was delivered, the SMTP inbox and the app's database.
"""

import asyncio
import email
import email.policy
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from sqlmodel import Session, create_engine, select
from temporalio.client import Client

from core.ids import outcome_message_key, payment_key, step_workflow_id, submission_key
from core.tables import NotificationRecord, PaymentLedgerEntry
from tests.support.smtp import Inbox, SmtpServer
from tests.support.stack import BIRTH_SERVICES, Stack, birth_intake
from tests.support.waiting import wait_for

# How long the SMTP server holds its "250 OK" for this test's messages.
SLOW_ACK = 1.5
# asyncio may wake a sleeper a clock tick early: claim "unacknowledged" only with this margin.
ACK_MARGIN = 0.2
NATIVE_SERVICE = "social-insurance.child-number"
PAYING_SERVICE = "revenue.child-benefit"
T = TypeVar("T")


@dataclass
class Arrival:
    at: float  # time.monotonic() when the message was stored, before its 250 was sent
    to: str
    message_id: str


class LateAcks:
    """Wraps the session inbox's DATA hook: a message to one of ``addresses`` is stored at once
    and acknowledged SLOW_ACK seconds later; every arrival is noted with its time."""

    def __init__(self, inbox: Inbox, addresses: set[str]) -> None:
        self._store = inbox.handle_DATA
        self._addresses = addresses
        self._lock = threading.Lock()
        self._arrivals: list[Arrival] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        answer = await self._store(server, session, envelope)
        ours = [to for to in envelope.rcpt_tos if to in self._addresses]
        if ours:
            message = email.message_from_bytes(
                envelope.original_content, policy=email.policy.default
            )
            with self._lock:
                self._arrivals.append(Arrival(time.monotonic(), ours[0], message["Message-ID"]))
            await asyncio.sleep(SLOW_ACK)
        return answer

    def arrivals(self, to: set[str] | None = None) -> list[Arrival]:
        with self._lock:
            return [a for a in self._arrivals if to is None or a.to in to]


@pytest.fixture
def addresses() -> set[str]:
    tag = uuid.uuid4().hex[:6]
    return {f"durable-{tag}-{i}@example.org" for i in range(6)}


@pytest.fixture
def late_acks(
    smtp: SmtpServer, addresses: set[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[LateAcks]:
    # aiosmtpd reads the handler's hooks per connection: every later connection gets this one.
    acks = LateAcks(smtp.inbox, addresses)
    monkeypatch.setattr(smtp.inbox, "handle_DATA", acks.handle_DATA)
    yield acks


@dataclass
class Activity:
    type: str
    attempt: int  # the attempt that finished it (ActivityTaskStarted.attempt)


async def activities(client: Client, workflow_id: str) -> list[Activity]:
    """Every activity the workflow scheduled, with the attempt its history says finished it."""
    names: dict[int, str] = {}
    finished: dict[int, int] = {}
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            names[event.event_id] = (
                event.activity_task_scheduled_event_attributes.activity_type.name
            )
        elif event.HasField("activity_task_started_event_attributes"):
            started = event.activity_task_started_event_attributes
            finished[started.scheduled_event_id] = started.attempt
    assert set(finished) == set(names), f"{workflow_id}: an activity never finished"
    return [Activity(names[event_id], finished[event_id]) for event_id in sorted(names)]


async def test_killing_the_worker_mid_flight_loses_and_duplicates_nothing(
    stack: Stack,
    smtp: SmtpServer,
    temporal_client: Client,
    addresses: set[str],
    late_acks: LateAcks,
) -> None:
    engine = create_engine(f"sqlite:///{stack.folder / 'app.db'}")
    first_emails, later_emails = sorted(addresses)[:3], sorted(addresses)[3:]
    kills: list[tuple[str, float]] = []  # (moment, when the worker was dead)

    def kill_and_restart(moment: str) -> None:
        stack.kill_worker()
        kills.append((moment, time.monotonic()))
        stack.start_process("worker")

    def submissions_received(journeys: list[str]) -> int:
        return sum(len(stack.received(j)) for j in journeys)

    def ledger_rows(journeys: list[str]) -> int:
        with Session(engine) as session:
            statement = select(PaymentLedgerEntry).where(
                PaymentLedgerEntry.journey_id.in_(journeys)  # type: ignore[attr-defined]
            )
            return len(session.exec(statement).all())

    started = time.monotonic()
    first = [stack.submit(birth_intake(email=email)) for email in first_emails]
    expected = len(first) * len(BIRTH_SERVICES)

    # 1. The agencies have some, not all, of the first journeys' submissions.
    seen = wait_for("a submission at an agency", lambda: submissions_received(first))
    kill_and_restart("submissions")
    assert seen < expected, "every submission was in before the kill: no moment mid-flight"

    # 2. An e-mail to one of the first journeys arrives: its sending activity is still running.
    before = len(late_acks.arrivals())
    wait_for("an e-mail after the restart", lambda: len(late_acks.arrivals()) > before)
    kill_and_restart("e-mails")

    # 3. Three more journeys; the first of their payments is in the ledger.
    later = [stack.submit(birth_intake(email=email)) for email in later_emails]
    wait_for("a payment of the later journeys", lambda: ledger_rows(later))
    kill_and_restart("payments")

    journeys = first + later
    emails = dict(zip(journeys, first_emails + later_emails, strict=True))
    statuses = [stack.wait_until_done(j, timeout=60) for j in journeys]
    assert [s["state"] for s in statuses] == ["completed"] * len(journeys)
    elapsed = time.monotonic() - started

    # Every e-mail that arrived less than SLOW_ACK before a kill had no "250 OK" yet: the
    # killed worker's activity was mid-send. There is one at least (the second kill's).
    in_flight = [
        arrival
        for arrival in late_acks.arrivals()
        if any(0 <= dead - arrival.at < SLOW_ACK - ACK_MARGIN for _, dead in kills)
    ]
    assert in_flight, f"no e-mail was in flight at a kill: {kills}"

    with Session(engine) as session:
        records = {
            r.message_id: r
            for r in session.exec(
                select(NotificationRecord).where(
                    NotificationRecord.journey_id.in_(journeys)  # type: ignore[attr-defined]
                )
            ).all()
        }
        ledger = session.exec(
            select(PaymentLedgerEntry).where(
                PaymentLedgerEntry.journey_id.in_(journeys)  # type: ignore[attr-defined]
            )
        ).all()

    retried: list[tuple[str, Activity]] = []
    for journey_id in journeys:
        # The journey itself: identity, consents, the closing summary and the outcome for the
        # reports, each scheduled once.
        journey_activities = await activities(temporal_client, journey_id)
        assert Counter(a.type for a in journey_activities) == {
            "verify_identity": 1,
            "record_consents": 1,
            "send_notification": 1,
            "record_journey_outcome": 1,
        }
        retried += [(journey_id, a) for a in journey_activities if a.attempt > 1]

        received = {r["idempotency_key"]: r for r in stack.received(journey_id)}
        inbox = Counter(m["Message-ID"] for m in smtp.inbox.messages(emails[journey_id]))
        # One message per service, and the summary.
        assert sum(r.journey_id == journey_id for r in records.values()) == len(BIRTH_SERVICES) + 1
        assert set(inbox) == {m for m, r in records.items() if r.journey_id == journey_id}
        for service_id in BIRTH_SERVICES:
            step = step_workflow_id(journey_id, service_id)
            by_type: dict[str, list[Activity]] = {}
            for a in await activities(temporal_client, step):
                by_type.setdefault(a.type, []).append(a)
                if a.attempt > 1:
                    retried.append((step, a))

            # One submission activity, one request on record at the agency under the step's
            # one idempotency key, delivered no more often than that activity was attempted
            # (once, unless a kill cut an attempt short: the agency then answered the retry
            # from its record instead of recording it again).
            (submit,) = [
                a
                for t, kind in by_type.items()
                for a in kind
                if t not in {"send_notification", "record_payment"}
            ]
            key = f"{step}/submit/1" if service_id == NATIVE_SERVICE else submission_key(step, 1)
            assert key in received, (key, sorted(received))
            assert received[key]["body"]["service_id"] == service_id
            assert 1 <= received[key]["deliveries"] <= submit.attempt, (key, submit)
            assert received[key]["deliveries"] == 1 or submit.attempt > 1

            # One notification activity, one NotificationRecord (sent), one Message-ID in the
            # inbox, received no more often than that activity was attempted.
            (notify,) = by_type["send_notification"]
            (record,) = [
                r for r in records.values() if r.idempotency_key == outcome_message_key(step)
            ]
            assert record.status == "sent"
            assert 1 <= inbox[record.message_id] <= notify.attempt, (step, notify)

            # One payment activity and one ledger row, for the one paying service.
            payments = [p for p in ledger if p.idempotency_key == payment_key(step)]
            assert (
                len(payments)
                == len(by_type.get("record_payment", []))
                == (1 if service_id == PAYING_SERVICE else 0)
            )
        assert len(received) == len(BIRTH_SERVICES)

    # The e-mails cut off mid-send were sent again by a retry, with the same Message-ID: the
    # inbox holds each twice, and each one's activity finished on a later attempt.
    for arrival in in_flight:
        assert (
            Counter(m["Message-ID"] for m in smtp.inbox.messages(arrival.to))[arrival.message_id]
            == 2
        ), arrival
        record = records[arrival.message_id]
        # A step's outcome message, or the journey's summary (the journey's own activity).
        step = record.idempotency_key.removesuffix("/notify").removesuffix("/summary")
        assert any(
            s == step and a.type == "send_notification" and a.attempt > 1 for s, a in retried
        ), (arrival, retried)
    assert retried
    print(  # noqa: T201
        f"\n{len(journeys)} journeys in {elapsed:.1f}s; kills at {[k for k, _ in kills]}; "
        f"{submissions_received(first)}/{expected} submitted before kill 1: {seen}; "
        f"in flight at kills: {len(in_flight)} e-mails; "
        f"retried: {[(s.rsplit('/', 1)[-1], a.type, a.attempt) for s, a in retried]}"
    )
