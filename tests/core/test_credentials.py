"""Agencies' API keys and signing secrets rotate with an overlap, expire, and can be revoked."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from core.credentials import (
    agency_for_key,
    issue_key,
    issue_secret,
    revoke,
    signing_secrets,
)
from core.registry import AgencyCreate, create_agency
from core.tables import AgencyKey, AgencySecret

HOUR = timedelta(hours=1)


@dataclass
class Issued:
    """The first credentials of two agencies, as their creation returned them."""

    harbour_key: str
    harbour_secret: str
    other_key: str
    other_secret: str


@pytest.fixture
def issued(session: Session) -> Issued:
    _, harbour_key, harbour_secret = create_agency(
        session=session, agency=AgencyCreate(agency_id="harbour", name="Harbour Authority")
    )
    _, other_key, other_secret = create_agency(
        session=session, agency=AgencyCreate(agency_id="other", name="Another Agency")
    )
    return Issued(harbour_key, harbour_secret, other_key, other_secret)


@pytest.fixture
def agency(issued: Issued) -> str:
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


def test_an_api_key_opens_its_agency_and_nothing_else_does(
    session: Session, agency: str, issued: Issued
) -> None:
    assert opens(session, issued.harbour_key) == "harbour"
    assert opens(session, issued.other_key) == "other"
    assert opens(session, "agk_unknown") is None


def test_a_rotated_key_keeps_working_until_its_overlap_ends(
    session: Session, agency: str, issued: Issued
) -> None:
    row, new_key = issue_key(session=session, agency_id=agency, overlap=HOUR)
    assert new_key.startswith("agk_") and row.expires_at is None
    assert opens(session, new_key) == opens(session, issued.harbour_key) == "harbour"
    old = key_row(session, agency, 0)
    assert old.expires_at is not None
    due = old.expires_at.replace(tzinfo=UTC) - datetime.now(UTC)
    assert HOUR - timedelta(minutes=1) < due <= HOUR
    # Another agency's keys are not touched by this rotation.
    assert key_row(session, "other", 0).expires_at is None

    expire(session, old)
    assert opens(session, issued.harbour_key) is None
    assert opens(session, new_key) == "harbour"


def test_a_second_rotation_never_extends_an_overlap(
    session: Session, agency: str, issued: Issued
) -> None:
    issue_key(session=session, agency_id=agency, overlap=HOUR)
    first_expiry = key_row(session, agency, 0).expires_at
    issue_key(session=session, agency_id=agency, overlap=timedelta(days=7))
    assert key_row(session, agency, 0).expires_at == first_expiry
    assert key_row(session, agency, 1).expires_at is not None


def test_a_revoked_key_opens_nothing_at_once(session: Session, agency: str, issued: Issued) -> None:
    row, new_key = issue_key(session=session, agency_id=agency, overlap=HOUR)
    revoke(row, session)
    assert opens(session, new_key) is None
    assert opens(session, issued.harbour_key) == "harbour"  # the previous key, still in its overlap


def test_signing_secrets_are_the_live_ones_newest_first(
    session: Session, agency: str, issued: Issued
) -> None:
    assert signing_secrets(session=session, agency_id=agency) == [issued.harbour_secret]
    second = issue_secret(session=session, agency_id=agency, overlap=HOUR)
    generated = issue_secret(session=session, agency_id=agency, overlap=HOUR)
    assert generated.secret.startswith("whsec_") and generated.expires_at is None
    assert len({issued.harbour_secret, second.secret, generated.secret}) == 3
    assert signing_secrets(session=session, agency_id=agency) == [
        generated.secret,
        second.secret,
        issued.harbour_secret,
    ]
    assert signing_secrets(session=session, agency_id="other") == [issued.other_secret]

    revoke(second, session)
    assert signing_secrets(session=session, agency_id=agency) == [
        generated.secret,
        issued.harbour_secret,
    ]
    first = session.exec(
        select(AgencySecret).where(AgencySecret.secret == issued.harbour_secret)
    ).one()
    expire(session, first)
    assert signing_secrets(session=session, agency_id=agency) == [generated.secret]
