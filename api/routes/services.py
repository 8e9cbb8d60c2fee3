"""Agencies' services: each agency's integrators register them, and change, withdraw or delete
them. Every change is a new version; journeys keep the one they began with."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Response, status
from pydantic import BaseModel
from sqlmodel import Session, col, select

from api.deps import IntegratorDep
from api.openapi import problem_responses
from api.pagination import LINK_HEADER, PageDep
from core.catalog import get_catalog
from core.registry import (
    QuotaExceeded,
    ServiceIdTaken,
    ServiceRegistration,
    check_against_catalog,
    check_quota,
    check_urls,
    remove_service,
    set_service_active,
    upsert_service,
)
from core.settings import get_settings
from core.tables import AgencyService, AgencyServiceVersion
from use_cases.deps import GatewayDep, SessionDep
from use_cases.errors import Unprocessable
from use_cases.gateway import TemporalGateway
from use_cases.registrations import etag_of, owned_service, record, require_match

router = APIRouter(prefix="/v1/agencies", tags=["integrators"])
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=1000,
        description="The ETag you read (GET): the change happens only if the registration is "
        "still that one, else 412 and nothing changes. Optional (without it, the last write "
        "wins), but an integration with more than one writer should always send it",
    ),
]
_ETAG = {"ETag": {"description": "The registration's entity tag", "schema": {"type": "string"}}}
_NO_SERVICE = "No such service of this agency"
_ANSWERS = problem_responses(
    {
        404: _NO_SERVICE,
        412: "If-Match does not name the registration's current ETag: someone changed it since "
        "you read it; nothing was changed (the answer's ETag is the current one)",
    }
)
_CHANGED = {200: {"description": "The registration as it is now", "headers": _ETAG}, **_ANSWERS}


class WorkerStatus(BaseModel):
    task_queue: str
    live: bool
    pollers: int


class RegisteredService(ServiceRegistration):
    agency_id: str
    version: int
    active: bool
    workers: WorkerStatus | None = None


def _public(row: AgencyService, workers: WorkerStatus | None = None) -> RegisteredService:
    return RegisteredService.model_validate(
        {
            **row.registration,
            "agency_id": row.agency_id,
            "version": row.version,
            "active": row.active,
            "workers": workers,
        }
    )


def _checked(registration: ServiceRegistration) -> ServiceRegistration:
    check_against_catalog(registration, get_catalog())
    check_urls(registration, get_settings())
    return registration


async def _workers(gateway: TemporalGateway, row: AgencyService) -> WorkerStatus | None:
    """For a native agency: are workers polling its task queue right now?"""
    delivery = row.registration["delivery"]
    if delivery["mode"] != "task_queue":
        return None
    live = await gateway.live_pollers(delivery["task_queue"])
    return WorkerStatus(task_queue=delivery["task_queue"], live=bool(live), pollers=live)


def _upsert(session: Session, agency_id: str, body: ServiceRegistration) -> AgencyService:
    try:
        return upsert_service(session=session, agency_id=agency_id, registration=_checked(body))
    except ServiceIdTaken as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error


@router.post(
    "/{agency_id}/services",
    status_code=status.HTTP_201_CREATED,
    response_model=RegisteredService,
    responses={
        201: {"description": "Registered", "headers": _ETAG},
        **problem_responses(
            {
                409: "The service id is registered already, or belongs to another agency (a "
                "service id is its first agency's for ever, even once deleted), or the agency "
                "has as many services as MAX_SERVICES_PER_AGENCY allows"
            }
        ),
    },
)
def register_service(
    agency_id: str,
    body: ServiceRegistration,
    agency: IntegratorDep,
    session: SessionDep,
    response: Response,
) -> RegisteredService:
    """Register one of your agency's services; new journeys reach it at once. A service id you
    registered and deleted is yours to register again (its versions continue)."""
    if session.get(AgencyService, body.service_id) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, "This service id is already registered")
    try:
        check_quota(session, agency.agency_id, get_settings().max_services_per_agency)
    except QuotaExceeded as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    row = _upsert(session, agency.agency_id, body)
    record(
        session,
        "integrator",
        "service_registered",
        agency.agency_id,
        service_id=row.service_id,
        version=row.version,
    )
    response.headers["ETag"] = etag_of(row)
    return _public(row)


@router.get(
    "/{agency_id}/services",
    response_model=list[RegisteredService],
    responses={200: {"description": "A page of them", "headers": LINK_HEADER}},
)
def list_services(
    agency_id: str, agency: IntegratorDep, session: SessionDep, page: PageDep
) -> list[Any]:
    """Your agency's services, including disabled ones, by service id; a page at a time
    (``cursor``, ``limit``; the next page's URL is in the Link header)."""
    rows = page.scoped("services", agency.agency_id).rows(
        session,
        select(AgencyService).where(AgencyService.agency_id == agency.agency_id),
        col(AgencyService.service_id),
    )
    return [_public(row) for row in rows]


@router.get(
    "/{agency_id}/services/{service_id}",
    response_model=RegisteredService,
    responses={
        200: {"description": "The registration", "headers": _ETAG},
        **problem_responses({404: _NO_SERVICE}),
    },
)
async def get_service(
    agency_id: str,
    service_id: str,
    agency: IntegratorDep,
    session: SessionDep,
    gateway: GatewayDep,
    response: Response,
) -> RegisteredService:
    """One of your services; for a native one, whether its task queue has live workers. The
    ``ETag`` header names this version of the registration: send it back as ``If-Match`` when
    you change it."""
    row = owned_service(session, agency.agency_id, service_id)
    response.headers["ETag"] = etag_of(row)
    return _public(row, await _workers(gateway, row))


@router.get(
    "/{agency_id}/services/{service_id}/versions",
    response_model=list[dict[str, Any]],
    responses={
        200: {"description": "A page of them", "headers": LINK_HEADER},
        **problem_responses({404: _NO_SERVICE}),
    },
)
def list_service_versions(
    agency_id: str, service_id: str, agency: IntegratorDep, session: SessionDep, page: PageDep
) -> list[dict[str, Any]]:
    """Every version of the registration, oldest first; a page at a time (``cursor``,
    ``limit``; the next page's URL is in the Link header)."""
    owned_service(session, agency.agency_id, service_id)
    rows = page.scoped("service-versions", service_id).rows(
        session,
        select(AgencyServiceVersion).where(AgencyServiceVersion.service_id == service_id),
        col(AgencyServiceVersion.version),
    )
    return [
        {"version": r.version, "created_at": r.created_at, "registration": r.registration}
        for r in rows
    ]


@router.put(
    "/{agency_id}/services/{service_id}",
    response_model=RegisteredService,
    responses={**_CHANGED, **problem_responses({409: "The service id belongs to another agency"})},
)
def update_service(
    agency_id: str,
    service_id: str,
    body: ServiceRegistration,
    agency: IntegratorDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> RegisteredService:
    """Replace a service's registration: a new version; journeys in flight keep theirs. With
    ``If-Match``, only if nobody changed it since you read it (else 412)."""
    current = owned_service(session, agency.agency_id, service_id)
    if body.service_id != service_id:
        raise Unprocessable(
            [
                {
                    "loc": ["body", "service_id"],
                    "type": "value_error",
                    "msg": "service_id must match the URL",
                }
            ]
        )
    require_match(session, current, if_match)
    row = _upsert(session, agency.agency_id, body)
    record(
        session,
        "integrator",
        "service_updated",
        agency.agency_id,
        service_id=row.service_id,
        version=row.version,
    )
    response.headers["ETag"] = etag_of(row)
    return _public(row)


def _set_active(
    session: Session,
    row: AgencyService,
    active: bool,
    if_match: str | None,
    response: Response,
) -> RegisteredService:
    require_match(session, row, if_match)
    row = set_service_active(session=session, row=row, active=active)
    action = "service_enabled" if active else "service_disabled"
    record(session, "integrator", action, row.agency_id, service_id=row.service_id)
    response.headers["ETag"] = etag_of(row)
    return _public(row)


@router.post(
    "/{agency_id}/services/{service_id}/disable",
    response_model=RegisteredService,
    responses=_CHANGED,
)
def disable_service(
    agency_id: str,
    service_id: str,
    agency: IntegratorDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> RegisteredService:
    """Withdraw a service from new journeys (journeys in flight are not affected)."""
    row = owned_service(session, agency.agency_id, service_id)
    return _set_active(session, row, False, if_match, response)


@router.post(
    "/{agency_id}/services/{service_id}/enable",
    response_model=RegisteredService,
    responses=_CHANGED,
)
def enable_service(
    agency_id: str,
    service_id: str,
    agency: IntegratorDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> RegisteredService:
    """Offer a disabled service to new journeys again."""
    row = owned_service(session, agency.agency_id, service_id)
    return _set_active(session, row, True, if_match, response)


@router.delete(
    "/{agency_id}/services/{service_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_ANSWERS,
)
def delete_service(
    agency_id: str,
    service_id: str,
    agency: IntegratorDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """Delete a service; its past versions stay on record for the journeys that used them, and
    its id stays your agency's (no other agency can register it). With ``If-Match``, only if
    nobody changed it since you read it (else 412)."""
    row = owned_service(session, agency.agency_id, service_id)
    require_match(session, row, if_match)
    remove_service(session=session, row=row)
    record(session, "integrator", "service_deleted", agency.agency_id, service_id=service_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
