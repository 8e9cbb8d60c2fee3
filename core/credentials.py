"""Agencies' credentials: API keys for their integrators, signing secrets for their webhooks.

Both rotate with an overlap: a new one is issued and the previous ones keep working until they
expire, so an agency can switch without downtime; either can also be revoked at once.
"""

import base64
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from core.tables import Agency, AgencyKey, AgencySecret, utcnow

DEFAULT_OVERLAP = timedelta(hours=24)


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_api_key() -> str:
    return f"agk_{secrets.token_urlsafe(32)}"


def new_webhook_secret() -> str:
    return f"whsec_{base64.b64encode(secrets.token_bytes(32)).decode()}"


def _live(
    model: type[AgencyKey] | type[AgencySecret], now: datetime
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Conditions for a credential that is neither revoked nor expired at ``now``."""
    return (
        col(model.revoked_at).is_(None),
        or_(col(model.expires_at).is_(None), col(model.expires_at) > now),
    )


def issue_key(
    *,
    session: Session,
    agency_id: str,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> tuple[AgencyKey, str]:
    """A new API key; the agency's other live keys expire after ``overlap``."""
    now = datetime.now(UTC)
    for key in session.exec(
        select(AgencyKey).where(AgencyKey.agency_id == agency_id, *_live(AgencyKey, now))
    ):
        key.expires_at = min(_aware(key.expires_at) or now + overlap, now + overlap)
        session.add(key)
    api_key = new_api_key()
    row = AgencyKey(agency_id=agency_id, key_hash=hash_api_key(api_key))
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, api_key


def issue_secret(
    *,
    session: Session,
    agency_id: str,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> AgencySecret:
    """A new signing secret; the previous ones still sign until ``overlap`` has passed."""
    now = datetime.now(UTC)
    for old in session.exec(
        select(AgencySecret).where(AgencySecret.agency_id == agency_id, *_live(AgencySecret, now))
    ):
        old.expires_at = min(_aware(old.expires_at) or now + overlap, now + overlap)
        session.add(old)
    row = AgencySecret(agency_id=agency_id, secret=new_webhook_secret())
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def revoke(row: AgencyKey | AgencySecret, session: Session) -> None:
    row.revoked_at = utcnow()
    session.add(row)
    session.commit()


def agency_for_key(*, session: Session, api_key: str) -> Agency | None:
    """The agency a live API key belongs to (expired and revoked keys open nothing)."""
    now = datetime.now(UTC)
    key = session.exec(
        select(AgencyKey).where(AgencyKey.key_hash == hash_api_key(api_key), *_live(AgencyKey, now))
    ).first()
    return session.get(Agency, key.agency_id) if key else None


def signing_secrets(*, session: Session, agency_id: str) -> list[str]:
    """The agency's live signing secrets, newest first (all of them sign during a rotation)."""
    now = datetime.now(UTC)
    rows = session.exec(
        select(AgencySecret)
        .where(AgencySecret.agency_id == agency_id, *_live(AgencySecret, now))
        .order_by(col(AgencySecret.id).desc())
    ).all()
    return [row.secret for row in rows]


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
