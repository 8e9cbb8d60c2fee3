"""Failed identity checks are rate-limited per client and per national id: the window
arithmetic behind Retry-After, which failures count, and whose address a client is."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel, select

from core.db import make_engine
from core.identity_checks import (
    Limits,
    client_address,
    client_ref,
    national_id_hash,
    record_failure,
    retry_after,
    throttled_for,
)
from core.tables import IdentityCheckFailure

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _ago(*minutes: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_under_the_limit_nothing_waits() -> None:
    assert retry_after([], NOW, 1, HOUR) is None
    assert retry_after(_ago(50, 10), NOW, 3, HOUR) is None


def test_failures_that_left_the_window_do_not_count() -> None:
    # Three failures, but one is older than the window (and one is exactly at its edge).
    assert retry_after(_ago(90, 60, 5), NOW, 2, HOUR) is None


def test_at_the_limit_the_wait_ends_when_the_oldest_failure_leaves_the_window() -> None:
    assert retry_after(_ago(50, 30, 10), NOW, 3, HOUR) == 10 * 60
    # Order does not matter.
    assert retry_after(_ago(10, 50, 30), NOW, 3, HOUR) == 10 * 60


def test_over_the_limit_enough_failures_must_leave_to_allow_one_more() -> None:
    # Five failures, limit 3: fewer than 3 means the three oldest must leave, so the third
    # oldest (30 minutes ago) decides: it leaves in 30 minutes.
    assert retry_after(_ago(55, 40, 30, 20, 10), NOW, 3, HOUR) == 30 * 60


def test_the_wait_is_rounded_up_to_a_whole_second_and_is_never_zero() -> None:
    almost_out = NOW - HOUR + timedelta(milliseconds=200)
    assert retry_after([almost_out], NOW, 1, HOUR) == 1
    assert retry_after([NOW - HOUR + timedelta(seconds=1.5)], NOW, 1, HOUR) == 2


def test_a_failure_recorded_by_a_clock_slightly_ahead_still_counts() -> None:
    assert retry_after([NOW + timedelta(seconds=5)], NOW, 1, HOUR) == 3605


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _fail(session: Session, journey: str, person: str, client: str | None, at: datetime) -> None:
    session.add(
        IdentityCheckFailure(
            journey_id=journey,
            national_id_hash=national_id_hash("k", person),
            client_ref=client,
            reason="The birth date does not match the record for this national id.",
            at=at,
        )
    )
    session.commit()


def test_limits_count_per_national_id_and_per_client(session: Session) -> None:
    limits = Limits(per_national_id=2, per_client=3, window=HOUR)
    here, there = client_ref("k", "198.51.100.7"), client_ref("k", "203.0.113.9")
    _fail(session, "j1", "111", here, NOW - timedelta(minutes=40))
    _fail(session, "j2", "111", there, NOW - timedelta(minutes=20))

    def wait(person: str, client: str | None) -> int | None:
        return throttled_for(
            session,
            limits,
            national_id_hash=national_id_hash("k", person),
            client_ref=client,
            now=NOW,
        )

    # The person's national id is at its limit, from any client (or none, e.g. a registry).
    assert wait("111", here) == wait("111", None) == 20 * 60
    # Another person from either client is not (each client has failed fewer than 3 times).
    assert wait("222", here) is None and wait("222", there) is None
    _fail(session, "j3", "333", here, NOW - timedelta(minutes=30))
    _fail(session, "j4", "444", here, NOW - timedelta(minutes=5))
    # Now this client is over its own limit, for anyone; the other client is not.
    assert wait("222", here) == 20 * 60
    assert wait("222", there) is None
    # Both over: the longer wait is the one that matters.
    _fail(session, "j5", "222", there, NOW - timedelta(minutes=1))
    _fail(session, "j6", "222", there, NOW - timedelta(minutes=2))
    # 222's older failure (2 minutes ago) frees in 58 minutes; the client's in 20.
    assert wait("222", here) == 58 * 60


def test_a_retried_activity_records_its_failure_once(session: Session) -> None:
    for _ in range(2):
        record_failure(session, journey_id="j", national_id_hash="h", client_ref=None, reason="why")
    assert len(session.exec(select(IdentityCheckFailure)).all()) == 1


def test_hashes_are_keyed_and_never_the_values() -> None:
    assert national_id_hash("k", "234567891") != national_id_hash("other", "234567891")
    assert "234567891" not in national_id_hash("k", "234567891")
    # Purposes apart: an address and an id of the same text do not hash alike.
    assert client_ref("k", "234567891") != national_id_hash("k", "234567891")


@pytest.mark.parametrize(
    ("peer", "forwarded", "hops", "expected"),
    [
        ("198.51.100.7", None, 0, "198.51.100.7"),
        # Without a trusted proxy the header is the client's own word: ignored.
        ("198.51.100.7", "203.0.113.9", 0, "198.51.100.7"),
        # Behind one proxy: the entry it appended, not what the client put before it.
        ("10.0.0.2", "1.2.3.4, 203.0.113.9", 1, "203.0.113.9"),
        ("10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.3", 2, "203.0.113.9"),
        # A proxy that should have appended but did not: the peer.
        ("10.0.0.2", None, 1, "10.0.0.2"),
        (None, None, 0, None),
    ],
)
def test_the_client_address(
    peer: str | None, forwarded: str | None, hops: int, expected: str | None
) -> None:
    assert client_address(peer, forwarded, hops) == expected
