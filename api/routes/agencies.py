"""The agency registry: operators create agencies; each agency's integrators manage its services
and its credentials. Every service change is a new version; journeys keep the one they began with.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from api.deps import (
    AgencyAdminDep,
    IntegratorDep,
    OperatorDep,
    SessionDep,
    SettingsDep,
    TemporalDep,
)
from api.errors import unprocessable
from lifeevents import audit
from lifeevents.catalog import get_catalog
from lifeevents.credentials import issue_key, issue_secret, revoke
from lifeevents.ids import dry_run_id, step_workflow_id
from lifeevents.models import AgencyServiceInput
from lifeevents.plans import service_plan
from lifeevents.registry import (
    AgencyCreate,
    RegistryError,
    ServiceRegistration,
    check_against_catalog,
    create_agency,
    upsert_service,
)
from lifeevents.synthetic import synthetic_intake
from lifeevents.tables import AgencyKey, AgencySecret, AgencyService, AgencyServiceVersion, utcnow
from workflows.agency_service import AgencyServiceWorkflow

router = APIRouter(prefix="/v1/agencies", tags=["integrators"])
LIVE_POLLER = timedelta(minutes=1)


class AgencyCreated(BaseModel):
    agency_id: str
    name: str
    api_key: str = Field(description="Shown once; only its hash is kept")
    webhook_secret: str = Field(
        description="Standard Webhooks secret: verify our requests, sign your callbacks with it"
    )


class WorkerStatus(BaseModel):
    task_queue: str
    live: bool
    pollers: int


class RegisteredService(ServiceRegistration):
    agency_id: str
    version: int
    active: bool
    workers: WorkerStatus | None = None


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


def _audit(session: Session, actor: str, action: str, agency_id: str, **detail: Any) -> None:
    audit.append(session, actor=actor, action=action, agency_id=agency_id, detail=detail)


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
    try:
        check_against_catalog(registration, get_catalog())
    except RegistryError as error:
        raise unprocessable(
            [{"loc": ["body", *error.loc], "msg": error.message, "type": "value_error"}]
        ) from error
    return registration


def _own(session: Session, agency_id: str, service_id: str) -> AgencyService:
    row = session.get(AgencyService, service_id)
    if row is None or row.agency_id != agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No service '{service_id}'")
    return row


async def _workers(
    temporal: TemporalDep, namespace: str, row: AgencyService
) -> WorkerStatus | None:
    """For a native agency: are workers polling its task queue right now?"""
    delivery = row.registration["delivery"]
    if delivery["mode"] != "task_queue":
        return None
    answer = await temporal.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=namespace,
            task_queue=TaskQueue(name=delivery["task_queue"]),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        )
    )
    now = datetime.now(UTC)
    live = [p for p in answer.pollers if now - p.last_access_time.ToDatetime(UTC) < LIVE_POLLER]
    return WorkerStatus(task_queue=delivery["task_queue"], live=bool(live), pollers=len(live))


# --- Agencies and their credentials --------------------------------------------------------


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AgencyCreated)
def create(body: AgencyCreate, _: OperatorDep, session: SessionDep) -> AgencyCreated:
    """Operators: create an agency. Its API key and webhook secret are shown once, here."""
    try:
        agency, api_key, secret = create_agency(session=session, agency=body)
    except IntegrityError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, "This agency already exists") from error
    _audit(session, "operator", "agency_created", agency.agency_id)
    return AgencyCreated(
        agency_id=agency.agency_id, name=agency.name, api_key=api_key, webhook_secret=secret
    )


@router.post("/{agency_id}/keys", status_code=status.HTTP_201_CREATED, response_model=KeyIssued)
def rotate_key(
    agency_id: str,
    agency: AgencyAdminDep,
    session: SessionDep,
    body: Annotated[Rotation | None, Body()] = None,
) -> KeyIssued:
    """A new API key; the others keep working for the overlap, then expire."""
    overlap = timedelta(seconds=(body or Rotation()).overlap_seconds)
    row, api_key = issue_key(session=session, agency_id=agency.agency_id, overlap=overlap)
    assert row.id is not None
    _audit(session, "integrator", "api_key_issued", agency.agency_id, key_id=row.id)
    return KeyIssued(key_id=row.id, api_key=api_key)


@router.get("/{agency_id}/keys", response_model=list[CredentialInfo])
def list_keys(agency_id: str, agency: AgencyAdminDep, session: SessionDep) -> list[Any]:
    """The agency's API keys (never the keys themselves)."""
    return list(session.exec(select(AgencyKey).where(AgencyKey.agency_id == agency.agency_id)))


@router.delete("/{agency_id}/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(
    agency_id: str, key_id: int, agency: AgencyAdminDep, session: SessionDep
) -> Response:
    """Revoke an API key at once."""
    row = session.get(AgencyKey, key_id)
    if row is None or row.agency_id != agency.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No key {key_id}")
    revoke(row, session)
    _audit(session, "integrator", "api_key_revoked", agency.agency_id, key_id=key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{agency_id}/webhook-secrets", status_code=status.HTTP_201_CREATED, response_model=SecretIssued
)
def rotate_secret(
    agency_id: str,
    agency: AgencyAdminDep,
    session: SessionDep,
    body: Annotated[Rotation | None, Body()] = None,
) -> SecretIssued:
    """A new signing secret; until the overlap ends, requests carry both signatures."""
    overlap = timedelta(seconds=(body or Rotation()).overlap_seconds)
    row = issue_secret(session=session, agency_id=agency.agency_id, overlap=overlap)
    assert row.id is not None
    _audit(session, "integrator", "webhook_secret_issued", agency.agency_id, secret_id=row.id)
    return SecretIssued(secret_id=row.id, webhook_secret=row.secret)


@router.get("/{agency_id}/webhook-secrets", response_model=list[CredentialInfo])
def list_secrets(agency_id: str, agency: AgencyAdminDep, session: SessionDep) -> list[Any]:
    """The agency's signing secrets (never the secrets themselves)."""
    return list(
        session.exec(select(AgencySecret).where(AgencySecret.agency_id == agency.agency_id))
    )


@router.delete("/{agency_id}/webhook-secrets/{secret_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_secret(
    agency_id: str, secret_id: int, agency: AgencyAdminDep, session: SessionDep
) -> Response:
    """Revoke a signing secret at once."""
    row = session.get(AgencySecret, secret_id)
    if row is None or row.agency_id != agency.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No secret {secret_id}")
    revoke(row, session)
    _audit(session, "integrator", "webhook_secret_revoked", agency.agency_id, secret_id=secret_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- Services ------------------------------------------------------------------------------


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
    _audit(
        session,
        "integrator",
        "service_registered",
        agency.agency_id,
        service_id=row.service_id,
        version=row.version,
    )
    return _public(row)


@router.get("/{agency_id}/services", response_model=list[RegisteredService])
def list_services(agency_id: str, agency: IntegratorDep, session: SessionDep) -> list[Any]:
    """Your agency's services, including disabled ones."""
    rows = session.exec(select(AgencyService).where(AgencyService.agency_id == agency.agency_id))
    return [_public(row) for row in rows.all()]


@router.get("/{agency_id}/services/{service_id}", response_model=RegisteredService)
async def get_service(
    agency_id: str,
    service_id: str,
    agency: IntegratorDep,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> RegisteredService:
    """One of your services; for a native one, whether its task queue has live workers."""
    row = _own(session, agency.agency_id, service_id)
    return _public(row, await _workers(temporal, settings.temporal_namespace, row))


@router.get("/{agency_id}/services/{service_id}/versions", response_model=list[dict[str, Any]])
def service_versions(
    agency_id: str, service_id: str, agency: IntegratorDep, session: SessionDep
) -> list[dict[str, Any]]:
    """Every version of the registration, oldest first."""
    _own(session, agency.agency_id, service_id)
    rows = session.exec(
        select(AgencyServiceVersion)
        .where(AgencyServiceVersion.service_id == service_id)
        .order_by(col(AgencyServiceVersion.version))
    )
    return [
        {"version": r.version, "created_at": r.created_at, "registration": r.registration}
        for r in rows
    ]


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
    _audit(
        session,
        "integrator",
        "service_updated",
        agency.agency_id,
        service_id=row.service_id,
        version=row.version,
    )
    return _public(row)


def _set_active(session: Session, row: AgencyService, active: bool) -> AgencyService:
    row.active = active
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)
    action = "service_enabled" if active else "service_disabled"
    _audit(session, "integrator", action, row.agency_id, service_id=row.service_id)
    return row


@router.post("/{agency_id}/services/{service_id}/disable", response_model=RegisteredService)
def disable_service(
    agency_id: str, service_id: str, agency: IntegratorDep, session: SessionDep
) -> RegisteredService:
    """Withdraw a service from new journeys (journeys in flight are not affected)."""
    return _public(_set_active(session, _own(session, agency.agency_id, service_id), False))


@router.post("/{agency_id}/services/{service_id}/enable", response_model=RegisteredService)
def enable_service(
    agency_id: str, service_id: str, agency: IntegratorDep, session: SessionDep
) -> RegisteredService:
    """Offer a disabled service to new journeys again."""
    return _public(_set_active(session, _own(session, agency.agency_id, service_id), True))


@router.delete("/{agency_id}/services/{service_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_service(
    agency_id: str, service_id: str, agency: IntegratorDep, session: SessionDep
) -> Response:
    """Delete a service; its past versions stay on record for the journeys that used them."""
    session.delete(_own(session, agency.agency_id, service_id))
    session.commit()
    _audit(session, "integrator", "service_deleted", agency.agency_id, service_id=service_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class DryRunRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "life_event": "birth",
                    "data": {"child": {"given_name": "Test"}},
                    "timeout_seconds": 30,
                }
            ]
        }
    )

    life_event: str | None = Field(default=None, description="Default: the service's first")
    data: dict[str, Any] = Field(
        default_factory=dict, description="Your own test values, over the synthetic ones"
    )
    timeout_seconds: float = Field(default=30, gt=0, le=300)


class DryRunResult(BaseModel):
    service_id: str
    version: int
    outcome: str | None
    state: str
    reasons: list[str]
    reference: str | None
    # Exactly what was sent to the agency and what came back, in order.
    exchanges: list[dict[str, Any]]


@router.post("/{agency_id}/services/{service_id}/dry-run", response_model=DryRunResult)
async def dry_run(
    agency_id: str,
    service_id: str,
    agency: IntegratorDep,
    session: SessionDep,
    settings: SettingsDep,
    temporal: TemporalDep,
    body: Annotated[DryRunRequest | None, Body()] = None,
) -> DryRunResult:
    """Run one service on synthetic data through the real path (eligibility, signing,
    submission, callback) and return what was sent and received. No person's data, no
    e-mail, no payment."""
    request = body or DryRunRequest()
    row = _own(session, agency.agency_id, service_id)
    registration = ServiceRegistration.model_validate(row.registration)
    life_event = request.life_event or registration.life_events[0]
    definition = get_catalog().get(life_event)
    if definition is None or life_event not in registration.life_events:
        raise unprocessable(
            [
                {
                    "loc": ["body", "life_event"],
                    "type": "value_error",
                    "msg": f"'{life_event}' is not a life event of this service",
                }
            ]
        )
    rule_fields = [
        condition.field
        for rule in (registration.eligibility.all if registration.eligibility else [])
        for condition in rule.conditions()
    ]
    intake = synthetic_intake(definition, [*registration.fields, *rule_fields], request.data)
    run_id = dry_run_id()
    # A dry run waits an hour at most, and fails rather than escalates past it.
    service = service_plan(
        row,
        agency,
        registration,
        sla=min(registration.sla, timedelta(hours=1)),
        on_sla="fail",
        consent=True,
    )
    handle = await temporal.start_workflow(
        AgencyServiceWorkflow.run,
        AgencyServiceInput(
            journey_id=run_id,
            step_id=service_id,
            life_event=life_event,
            language="en",
            intake=intake,
            service=service,
            callback_base_url=settings.public_base_url,
            journey_started_at=datetime.now(UTC),
            dry_run=True,
        ),
        id=step_workflow_id(run_id, service_id),
        task_queue=settings.task_queue,
    )
    try:
        outcome = await asyncio.wait_for(handle.result(), timeout=request.timeout_seconds)
    except TimeoutError as error:
        raise HTTPException(
            status.HTTP_504_GATEWAY_TIMEOUT,
            f"No decision within {request.timeout_seconds:g}s; the dry run goes on as {handle.id}",
        ) from error
    return DryRunResult(
        service_id=service_id,
        version=row.version,
        outcome=outcome.outcome,
        state=outcome.state,
        reasons=outcome.reasons,
        reference=outcome.reference,
        exchanges=outcome.exchanges,
    )
