"""Agencies' API keys and signing secrets rotate with an overlap, expire, and can be revoked."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from lifeevents.credentials import (
    agency_for_key,
    issue_key,
    issue_secret,
    revoke,
    signing_secrets,
)
from lifeevents.registry import AgencyCreate, create_agency
from lifeevents.tables import AgencyKey, AgencySecret

HOUR = timedelta(hours=1)


@pytest.fixture
def agency(session: Session) -> str:
    create_agency(
        session=session,
        agency=AgencyCreate(agency_id="harbour", name="Harbour Authority"),
        api_key="key-1",
        webhook_secret="whsec_b25l",
    )
    create_agency(
        session=session,
        agency=AgencyCreate(agency_id="other", name="Another Agency"),
        api_key="other-key",
        webhook_secret="whsec_b3RoZXI=",
    )
    return "harbour"


def opens(session: Session, api_key: str) -> str | None:
    found = agency_for_key(session=session, api_key=api_key)
    return found.agency_id if found else None


def expire(session: Session, row: AgencyKey | AgencySecret) -> None:
    """The overlap has passed for ``row``."""
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.add(row)
    session.commit()


def key_row(session: Session, agency_id: str, index: int) -> AgencyKey:
    statement = (
        select(AgencyKey).where(AgencyKey.agency_id == agency_id).order_by(col(AgencyKey.id))
    )
    return session.exec(statement).all()[index]


def test_an_api_key_opens_its_agency_and_nothing_else_does(session: Session, agency: str) -> None:
    assert opens(session, "key-1") == "harbour"
    assert opens(session, "other-key") == "other"
    assert opens(session, "key-2") is None


def test_a_rotated_key_keeps_working_until_its_overlap_ends(session: Session, agency: str) -> None:
    row, new_key = issue_key(session=session, agency_id=agency, overlap=HOUR)
    assert new_key.startswith("agk_") and row.expires_at is None
    assert opens(session, new_key) == opens(session, "key-1") == "harbour"
    old = key_row(session, agency, 0)
    assert old.expires_at is not None
    due = old.expires_at.replace(tzinfo=UTC) - datetime.now(UTC)
    assert HOUR - timedelta(minutes=1) < due <= HOUR
    # Another agency's keys are not touched by this rotation.
    assert key_row(session, "other", 0).expires_at is None

    expire(session, old)
    assert opens(session, "key-1") is None
    assert opens(session, new_key) == "harbour"


def test_a_second_rotation_never_extends_an_overlap(session: Session, agency: str) -> None:
    issue_key(session=session, agency_id=agency, overlap=HOUR)
    first_expiry = key_row(session, agency, 0).expires_at
    issue_key(session=session, agency_id=agency, overlap=timedelta(days=7))
    assert key_row(session, agency, 0).expires_at == first_expiry
    assert key_row(session, agency, 1).expires_at is not None


def test_a_revoked_key_opens_nothing_at_once(session: Session, agency: str) -> None:
    row, new_key = issue_key(session=session, agency_id=agency, overlap=HOUR)
    revoke(row, session)
    assert opens(session, new_key) is None
    assert opens(session, "key-1") == "harbour"  # the previous key, still in its overlap


def test_signing_secrets_are_the_live_ones_newest_first(session: Session, agency: str) -> None:
    assert signing_secrets(session=session, agency_id=agency) == ["whsec_b25l"]
    second = issue_secret(session=session, agency_id=agency, overlap=HOUR, secret="whsec_dHdv")
    generated = issue_secret(session=session, agency_id=agency, overlap=HOUR)
    assert generated.secret.startswith("whsec_") and generated.expires_at is None
    assert signing_secrets(session=session, agency_id=agency) == [
        generated.secret,
        "whsec_dHdv",
        "whsec_b25l",
    ]
    assert signing_secrets(session=session, agency_id="other") == ["whsec_b3RoZXI="]

    revoke(second, session)
    assert signing_secrets(session=session, agency_id=agency) == [generated.secret, "whsec_b25l"]
    first = session.exec(select(AgencySecret).where(AgencySecret.secret == "whsec_b25l")).one()
    expire(session, first)
    assert signing_secrets(session=session, agency_id=agency) == [generated.secret]
