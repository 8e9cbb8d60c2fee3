"""What the agency routes share: an agency's own service, the audit trail of its changes, and the
ETag that keeps two integrators from overwriting each other."""

import hashlib
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from core import audit
from core.tables import AgencyService
from use_cases.errors import ServiceNotFound, StaleRegistration


def owned_service(session: Session, agency_id: str, service_id: str) -> AgencyService:
    """The agency's service; another agency's is as good as missing."""
    row = session.get(AgencyService, service_id)
    if row is None or row.agency_id != agency_id:
        raise ServiceNotFound(service_id)
    return row


def record(session: Session, actor: str, action: str, agency_id: str, **detail: Any) -> None:
    """An agency's change, in the audit trail."""
    audit.append(session, actor=actor, action=action, agency_id=agency_id, detail=detail)


# --- Optimistic concurrency: ETag and If-Match ------------------------------------------------


def etag_of(row: AgencyService) -> str:
    """A strong entity tag for the registration as stored: any change (a new version, enabled,
    disabled, deleted and registered again) gives another."""
    stamp = f"{row.service_id}\n{row.version}\n{row.active}\n{row.updated_at.isoformat()}"
    return '"' + hashlib.sha256(stamp.encode()).hexdigest()[:32] + '"'


def require_match(session: Session, row: AgencyService, if_match: str | None) -> None:
    """Go on only if the client's If-Match names the registration as it is now (optional: no
    If-Match, no check). Checked, then claimed in the database within the change's transaction,
    so that of two clients holding the same ETag only one changes it: the other gets 412."""
    if if_match is None:
        return
    current = etag_of(row)
    if not _matches(if_match, current):
        raise StaleRegistration(current)
    claimed = session.exec(
        update(AgencyService)
        .where(
            col(AgencyService.service_id) == row.service_id,
            col(AgencyService.version) == row.version,
            col(AgencyService.active) == row.active,
            col(AgencyService.updated_at) == row.updated_at,
        )
        .values(version=AgencyService.version)  # a no-op that takes the row's write lock
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        session.rollback()
        raise StaleRegistration(None)


def _matches(if_match: str, current: str) -> bool:
    """RFC 9110's If-Match: "*", or a list of entity tags compared strongly (a weak one, W/…,
    never matches)."""
    tags = [tag.strip() for tag in if_match.split(",")]
    return "*" in tags or current in tags
