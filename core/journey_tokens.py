"""Journey tokens over time: issued with an expiry (JOURNEY_TOKEN_TTL_DAYS), revoked all at once
per journey, checked against both.

The signed value itself is ``core.ids``' (journey, issued-at, expiry); this module adds the
clock, the settings and the revocations table.
"""

import time
from datetime import UTC, datetime
from enum import Enum

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.ids import journey_token, journey_token_claims
from core.settings import Settings
from core.tables import JourneyTokenRevocation

DAY_SECONDS = 86_400


class TokenCheck(Enum):
    VALID = "valid"
    # Not a token of this journey (forged, malformed, another journey's): as if none existed.
    OTHER = "other"
    EXPIRED = "expired"
    REVOKED = "revoked"


def issue(settings: Settings, journey_id: str, now: float | None = None) -> str:
    """A fresh token for the journey, valid for JOURNEY_TOKEN_TTL_DAYS from now."""
    now = time.time() if now is None else now
    return journey_token(
        settings.app_secret,
        journey_id,
        issued_at_ms=int(now * 1000),
        expires_at=int(now) + settings.journey_token_ttl_days * DAY_SECONDS,
    )


def _ms(moment: datetime) -> int:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def check(
    session: Session, settings: Settings, token: str, journey_id: str, now: float | None = None
) -> TokenCheck:
    """Whether ``token`` opens ``journey_id`` now."""
    claims = journey_token_claims(settings.app_secret, token)
    if claims is None or claims.journey_id != journey_id:
        return TokenCheck.OTHER
    if claims.expired(time.time() if now is None else now):
        return TokenCheck.EXPIRED
    revocation = session.get(JourneyTokenRevocation, journey_id, populate_existing=True)
    if revocation is not None and claims.issued_at_ms <= _ms(revocation.revoked_before):
        return TokenCheck.REVOKED
    return TokenCheck.VALID


def revoke(session: Session, journey_id: str, now: datetime | None = None) -> None:
    """Every token of the journey issued until now stops opening it; later ones still do."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    for _ in range(5):
        row = session.get(JourneyTokenRevocation, journey_id, populate_existing=True)
        if row is None:
            session.add(JourneyTokenRevocation(journey_id=journey_id, revoked_before=moment))
        elif _ms(row.revoked_before) < _ms(moment):
            row.revoked_before = moment
            session.add(row)
        else:
            return
        try:
            session.commit()
            return
        except IntegrityError:
            session.rollback()  # revoked concurrently: read theirs and move it forward
    raise RuntimeError(f"could not revoke the tokens of journey {journey_id}")
