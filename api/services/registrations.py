"""What the agency routes share: an agency's own service, and the audit trail of its changes."""

from typing import Any

from sqlmodel import Session

from api.errors import ServiceNotFound
from lifeevents import audit
from lifeevents.tables import AgencyService


def owned_service(session: Session, agency_id: str, service_id: str) -> AgencyService:
    """The agency's service; another agency's is as good as missing."""
    row = session.get(AgencyService, service_id)
    if row is None or row.agency_id != agency_id:
        raise ServiceNotFound(service_id)
    return row


def record(session: Session, actor: str, action: str, agency_id: str, **detail: Any) -> None:
    """An agency's change, in the audit trail."""
    audit.append(session, actor=actor, action=action, agency_id=agency_id, detail=detail)
