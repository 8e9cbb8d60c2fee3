"""Citizens: the catalog, and the single intake per life event."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request, Response, status
from pydantic import BaseModel
from sqlmodel import Session

from api.deps import BearerDep
from api.openapi import OPTIONAL_CREDENTIALS, problem_responses
from core import identity_checks
from core.catalog import LifeEventDefinition, get_catalog
from core.models import LocalizedText
from core.plans import bundle
from use_cases import intake
from use_cases.deps import GatewayDep, SessionDep, SettingsDep
from use_cases.examples import INTAKE_EXAMPLES
from use_cases.intake import IntakeAccepted

router = APIRouter(prefix="/v1/life-events", tags=["citizens"])


class CatalogService(BaseModel):
    id: str
    agency: str
    agency_name: str
    title: LocalizedText
    optional: bool


class CatalogEntry(BaseModel):
    type: str
    title: LocalizedText
    description: LocalizedText | None
    version: int
    services: list[CatalogService]


class LifeEventDetail(CatalogEntry):
    intake_schema: dict[str, Any]


def _entry(session: Session, definition: LifeEventDefinition) -> dict[str, Any]:
    return {
        "type": definition.type,
        "title": definition.title,
        "description": definition.description,
        "version": definition.version,
        "services": [
            CatalogService(
                id=item.row.service_id,
                agency=item.agency.agency_id,
                agency_name=item.agency.name,
                title=item.registration.title,
                optional=item.optional,
            )
            for item in bundle(session=session, definition=definition)
        ],
    }


@router.get("", response_model=list[CatalogEntry])
def list_life_events(session: SessionDep) -> list[dict[str, Any]]:
    """The catalog: every life event and the services it reaches."""
    return [_entry(session, definition) for definition in get_catalog().values()]


@router.get(
    "/{life_event}",
    response_model=LifeEventDetail,
    responses=problem_responses({404: "Unknown life event"}),
)
def get_life_event(life_event: str, session: SessionDep) -> dict[str, Any]:
    """One life event, with the JSON Schema of its intake."""
    definition = intake.life_event_definition(life_event)
    return {**_entry(session, definition), "intake_schema": definition.intake_schema}


@router.post(
    "/{life_event}/intakes",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=IntakeAccepted,
    responses={
        200: {"description": "The same intake was already accepted under this Idempotency-Key"},
        **problem_responses(
            {
                404: "Unknown life event",
                409: "This Idempotency-Key was used for a different intake",
                429: "Too many identity checks failed lately for this national id or from this "
                "client; Retry-After says when to try again",
            }
        ),
    },
    # Anyone may report a life event; a citizen signed in with OIDC owns the journey.
    openapi_extra=OPTIONAL_CREDENTIALS,
)
async def submit_intake(
    life_event: str,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    gateway: GatewayDep,
    body: Annotated[Any, Body(openapi_examples=INTAKE_EXAMPLES)],
    credentials: BearerDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> IntakeAccepted:
    """Tell us once: validate the intake, pin the plan and start the journey."""
    accepted, started = await intake.submit(
        session=session,
        settings=settings,
        gateway=gateway,
        life_event=life_event,
        body=body,
        bearer_token=credentials.credentials if credentials is not None else None,
        idempotency_key=idempotency_key,
        client_address=identity_checks.client_address(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            settings.trusted_proxy_hops,
        ),
    )
    if not started:
        response.status_code = status.HTTP_200_OK
    return accepted
