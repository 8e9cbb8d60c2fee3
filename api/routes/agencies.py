"""The agency registry: operators create agencies; each agency's integrators manage its services."""

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from api.deps import IntegratorDep, OperatorDep, SessionDep
from api.errors import unprocessable
from lifeevents.catalog import get_catalog
from lifeevents.registry import (
    AgencyCreate,
    RegistryError,
    ServiceRegistration,
    check_against_catalog,
    create_agency,
    upsert_service,
)
from lifeevents.tables import AgencyService, utcnow

router = APIRouter(prefix="/v1/agencies", tags=["integrators"])


class AgencyCreated(BaseModel):
    agency_id: str
    name: str
    api_key: str


class RegisteredService(ServiceRegistration):
    agency_id: str
    version: int
    active: bool


def _public(row: AgencyService) -> RegisteredService:
    return RegisteredService.model_validate(
        {
            **row.registration,
            "agency_id": row.agency_id,
            "version": row.version,
            "active": row.active,
        }
    )


def _checked(registration: ServiceRegistration) -> ServiceRegistration:
    try:
        check_against_catalog(registration, get_catalog())
    except RegistryError as error:
        raise unprocessable(
            [{"loc": ["body", *error.loc], "msg": error.message, "type": "value_error"}]
        ) from error
    return registration


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AgencyCreated)
def create(body: AgencyCreate, _: OperatorDep, session: SessionDep) -> AgencyCreated:
    """Operators: create an agency. Its API key is shown once, here, and stored only hashed."""
    try:
        agency, api_key = create_agency(session=session, agency=body)
    except IntegrityError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, "This agency already exists") from error
    return AgencyCreated(agency_id=agency.agency_id, name=agency.name, api_key=api_key)


@router.post(
    "/{agency_id}/services", status_code=status.HTTP_201_CREATED, response_model=RegisteredService
)
def register_service(
    agency_id: str, body: ServiceRegistration, agency: IntegratorDep, session: SessionDep
) -> RegisteredService:
    """Register one of your agency's services; new journeys reach it at once."""
    if session.get(AgencyService, body.service_id) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, "This service id is already registered")
    row = upsert_service(session=session, agency_id=agency.agency_id, registration=_checked(body))
    return _public(row)


@router.get("/{agency_id}/services", response_model=list[RegisteredService])
def list_services(agency_id: str, agency: IntegratorDep, session: SessionDep) -> list[Any]:
    """Your agency's services, including disabled ones."""
    rows = session.exec(select(AgencyService).where(AgencyService.agency_id == agency.agency_id))
    return [_public(row) for row in rows.all()]


def _own(session: SessionDep, agency_id: str, service_id: str) -> AgencyService:
    row = session.get(AgencyService, service_id)
    if row is None or row.agency_id != agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No service '{service_id}'")
    return row


@router.get("/{agency_id}/services/{service_id}", response_model=RegisteredService)
def get_service(
    agency_id: str, service_id: str, agency: IntegratorDep, session: SessionDep
) -> RegisteredService:
    """One of your agency's services."""
    return _public(_own(session, agency.agency_id, service_id))


@router.put("/{agency_id}/services/{service_id}", response_model=RegisteredService)
def update_service(
    agency_id: str,
    service_id: str,
    body: ServiceRegistration,
    agency: IntegratorDep,
    session: SessionDep,
) -> RegisteredService:
    """Replace a service's registration: a new version; journeys in flight keep theirs."""
    _own(session, agency.agency_id, service_id)
    if body.service_id != service_id:
        raise unprocessable(
            [
                {
                    "loc": ["body", "service_id"],
                    "type": "value_error",
                    "msg": "service_id must match the URL",
                }
            ]
        )
    row = upsert_service(session=session, agency_id=agency.agency_id, registration=_checked(body))
    return _public(row)


@router.delete("/{agency_id}/services/{service_id}", status_code=status.HTTP_204_NO_CONTENT)
def disable_service(
    agency_id: str, service_id: str, agency: IntegratorDep, session: SessionDep
) -> Response:
    """Withdraw a service from new journeys (journeys in flight are not affected)."""
    row = _own(session, agency.agency_id, service_id)
    row.active = False
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
