"""Agencies and their credentials: operators create agencies; each agency's integrators (or an
operator, in an incident) rotate and revoke its API keys and webhook signing secrets."""

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from api.deps import AgencyActorDep, AgencyAdminDep, OperatorDep, RowId
from api.openapi import problem_responses
from api.pagination import LINK_HEADER, PageDep
from core import registry
from core.credentials import issue_key, issue_secret, revoke
from core.registry import AgencyCreate
from core.tables import AgencyKey, AgencySecret
from use_cases.deps import SessionDep
from use_cases.registrations import record

router = APIRouter(prefix="/v1/agencies", tags=["integrators"])
_NO_AGENCY = "No such agency (an operator's request)"
_AGENCY = problem_responses({404: _NO_AGENCY})
_CREDENTIAL = problem_responses({404: f"{_NO_AGENCY}, or no such credential of this agency"})


class AgencyCreated(BaseModel):
    agency_id: str
    name: str
    api_key: str = Field(description="Shown once; only its hash is kept")
    webhook_secret: str = Field(
        description="Standard Webhooks secret: verify our requests, sign your callbacks with it"
    )


class Rotation(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"overlap_seconds": 86400}]})

    overlap_seconds: int = Field(
        default=86_400,
        ge=0,
        le=30 * 86_400,
        description="How long the previous credentials keep working",
    )


class KeyIssued(BaseModel):
    key_id: int
    api_key: str


class SecretIssued(BaseModel):
    secret_id: int
    webhook_secret: str


class CredentialInfo(BaseModel):
    id: int
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AgencyCreated,
    responses=problem_responses({409: "This agency already exists"}),
)
def create_agency(body: AgencyCreate, operator: OperatorDep, session: SessionDep) -> AgencyCreated:
    """Operators: create an agency. Its API key and webhook secret are shown once, here."""
    try:
        agency, api_key, secret = registry.create_agency(session=session, agency=body)
    except IntegrityError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, "This agency already exists") from error
    record(session, operator, "agency_created", agency.agency_id)
    return AgencyCreated(
        agency_id=agency.agency_id, name=agency.name, api_key=api_key, webhook_secret=secret
    )


@router.post(
    "/{agency_id}/keys",
    status_code=status.HTTP_201_CREATED,
    response_model=KeyIssued,
    responses=_AGENCY,
)
def rotate_agency_key(
    agency_id: str,
    agency: AgencyAdminDep,
    actor: AgencyActorDep,
    session: SessionDep,
    body: Annotated[Rotation | None, Body()] = None,
) -> KeyIssued:
    """A new API key; the others keep working for the overlap, then expire."""
    overlap = timedelta(seconds=(body or Rotation()).overlap_seconds)
    row, api_key = issue_key(session=session, agency_id=agency.agency_id, overlap=overlap)
    assert row.id is not None
    record(session, actor, "api_key_issued", agency.agency_id, key_id=row.id)
    return KeyIssued(key_id=row.id, api_key=api_key)


@router.get(
    "/{agency_id}/keys",
    response_model=list[CredentialInfo],
    responses={**_AGENCY, 200: {"description": "A page of them", "headers": LINK_HEADER}},
)
def list_agency_keys(
    agency_id: str, agency: AgencyAdminDep, session: SessionDep, page: PageDep
) -> list[Any]:
    """The agency's API keys (never the keys themselves), oldest first; a page at a time
    (``cursor``, ``limit``; the next page's URL is in the Link header)."""
    return page.scoped("keys", agency.agency_id).rows(
        session,
        select(AgencyKey).where(AgencyKey.agency_id == agency.agency_id),
        col(AgencyKey.id),
    )


@router.delete(
    "/{agency_id}/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_CREDENTIAL
)
def revoke_agency_key(
    agency_id: str,
    key_id: RowId,
    agency: AgencyAdminDep,
    actor: AgencyActorDep,
    session: SessionDep,
) -> Response:
    """Revoke an API key at once."""
    row = session.get(AgencyKey, key_id)
    if row is None or row.agency_id != agency.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No key {key_id}")
    revoke(row, session)
    record(session, actor, "api_key_revoked", agency.agency_id, key_id=key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{agency_id}/webhook-secrets",
    status_code=status.HTTP_201_CREATED,
    response_model=SecretIssued,
    responses=_AGENCY,
)
def rotate_webhook_secret(
    agency_id: str,
    agency: AgencyAdminDep,
    actor: AgencyActorDep,
    session: SessionDep,
    body: Annotated[Rotation | None, Body()] = None,
) -> SecretIssued:
    """A new signing secret; until the overlap ends, requests carry both signatures."""
    overlap = timedelta(seconds=(body or Rotation()).overlap_seconds)
    row = issue_secret(session=session, agency_id=agency.agency_id, overlap=overlap)
    assert row.id is not None
    record(session, actor, "webhook_secret_issued", agency.agency_id, secret_id=row.id)
    return SecretIssued(secret_id=row.id, webhook_secret=row.secret)


@router.get(
    "/{agency_id}/webhook-secrets",
    response_model=list[CredentialInfo],
    responses={**_AGENCY, 200: {"description": "A page of them", "headers": LINK_HEADER}},
)
def list_webhook_secrets(
    agency_id: str, agency: AgencyAdminDep, session: SessionDep, page: PageDep
) -> list[Any]:
    """The agency's signing secrets (never the secrets themselves), oldest first; a page at a
    time (``cursor``, ``limit``; the next page's URL is in the Link header)."""
    return page.scoped("webhook-secrets", agency.agency_id).rows(
        session,
        select(AgencySecret).where(AgencySecret.agency_id == agency.agency_id),
        col(AgencySecret.id),
    )


@router.delete(
    "/{agency_id}/webhook-secrets/{secret_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_CREDENTIAL,
)
def revoke_webhook_secret(
    agency_id: str,
    secret_id: RowId,
    agency: AgencyAdminDep,
    actor: AgencyActorDep,
    session: SessionDep,
) -> Response:
    """Revoke a signing secret at once."""
    row = session.get(AgencySecret, secret_id)
    if row is None or row.agency_id != agency.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No secret {secret_id}")
    revoke(row, session)
    record(session, actor, "webhook_secret_revoked", agency.agency_id, secret_id=secret_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
