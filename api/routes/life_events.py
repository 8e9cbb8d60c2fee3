"""Citizens: the catalog, and the single intake per life event."""

import hashlib
import hmac
import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.deps import BearerDep, SessionDep, SettingsDep, TemporalDep
from api.errors import schema_error_detail, unprocessable
from lifeevents.catalog import LifeEventDefinition, get_catalog
from lifeevents.ids import journey_id_for_intake, journey_token, new_journey_id
from lifeevents.journeys import start_journey
from lifeevents.models import JourneyPlan, LocalizedText
from lifeevents.oidc import identify, looks_like_jwt
from lifeevents.plans import bundle, resolve_plan
from lifeevents.registry import RegistryError
from lifeevents.settings import Settings
from lifeevents.tables import IntakeRecord, JourneyOwner

router = APIRouter(prefix="/v1/life-events", tags=["citizens"])
INTAKE_EXAMPLES: dict[str, Any] = {
    "birth": {
        "summary": "A birth (each intake schema is at GET /v1/life-events/{type})",
        "value": {
            "informant": {
                "national_id": "123456782",
                "given_name": "Amélie",
                "family_name": "Tremblay",
                "birth_date": "1992-03-14",
            },
            "child": {
                "given_name": "Léa",
                "family_name": "Tremblay",
                "birth_date": "2026-11-22",
                "sex": "F",
            },
            "contact": {"email": "amelie@example.org", "language": "fr"},
            "consents": [
                "vital-statistics.birth-registration",
                "revenue.child-benefit",
                "social-insurance.child-number",
                "health.child-health-card",
            ],
        },
    }
}


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


class IntakeAccepted(BaseModel):
    journey_id: str
    status_url: str
    # The person's key to this journey (bearer token on /v1/journeys/{id}…); keep it.
    access_token: str
    life_event: str
    services: list[str]


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


def _definition(life_event: str) -> LifeEventDefinition:
    definition = get_catalog().get(life_event)
    if definition is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Unknown life event '{life_event}'")
    return definition


@router.get("", response_model=list[CatalogEntry])
def list_life_events(session: SessionDep) -> list[dict[str, Any]]:
    """The catalog: every life event and the services it reaches."""
    return [_entry(session, definition) for definition in get_catalog().values()]


@router.get("/{life_event}", response_model=LifeEventDetail)
def get_life_event(life_event: str, session: SessionDep) -> dict[str, Any]:
    """One life event, with the JSON Schema of its intake."""
    definition = _definition(life_event)
    return {**_entry(session, definition), "intake_schema": definition.intake_schema}


def _request_hash(settings: Settings, life_event: str, body: dict[str, Any]) -> str:
    # Keyed, so the stored hash cannot be tested against guessed personal data.
    canonical = json.dumps([life_event, body], sort_keys=True, separators=(",", ":"))
    return hmac.new(settings.app_secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def _validate(definition: LifeEventDefinition, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise unprocessable(
            [{"loc": ["body"], "msg": "Input should be a JSON object", "type": "dict_type"}]
        )
    errors = sorted(definition.validator().iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        raise unprocessable([schema_error_detail(error) for error in errors])
    body.setdefault("contact", {}).setdefault("language", "en")
    return body


def _plan(
    session: Session,
    settings: Settings,
    definition: LifeEventDefinition,
    intake: dict[str, Any],
    journey_id: str,
) -> JourneyPlan:
    try:
        return resolve_plan(
            session=session,
            definition=definition,
            intake=intake,
            journey_id=journey_id,
            callback_base_url=settings.public_base_url,
        )
    except RegistryError as error:
        raise unprocessable(
            [{"loc": ["body", *error.loc], "msg": error.message, "type": "value_error"}]
        ) from error


def _own(session: Session, settings: Settings, token: str, journey_id: str) -> None:
    identity = identify(settings, token)
    if identity is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Invalid token", headers={"WWW-Authenticate": "Bearer"}
        )
    session.merge(JourneyOwner(journey_id=journey_id, subject_hash=identity.subject_hash))
    session.commit()


def _remember(
    session: Session, key: str, request_hash: str, journey_id: str, life_event: str
) -> tuple[IntakeRecord, bool]:
    """Store the key; if a concurrent request stored it first, return theirs (not created)."""
    record = IntakeRecord(
        idempotency_key=key,
        request_hash=request_hash,
        journey_id=journey_id,
        life_event=life_event,
    )
    session.add(record)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = session.get(IntakeRecord, key)
        assert existing is not None
        return existing, False
    return record, True


@router.post(
    "/{life_event}/intakes",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=IntakeAccepted,
    responses={
        200: {"description": "The same intake was already accepted under this Idempotency-Key"},
        404: {"description": "Unknown life event"},
        409: {"description": "This Idempotency-Key was used for a different intake"},
        422: {"description": "The intake does not match the life event's intake schema"},
    },
)
async def submit_intake(
    life_event: str,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    temporal: TemporalDep,
    body: Annotated[Any, Body(openapi_examples=INTAKE_EXAMPLES)],
    credentials: BearerDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> IntakeAccepted:
    """Tell us once: validate the intake, pin the plan and start the journey."""
    definition = _definition(life_event)
    intake = _validate(definition, body)
    request_hash = _request_hash(settings, life_event, intake)

    replay = False
    if idempotency_key is None:
        journey_id = new_journey_id()
    else:
        journey_id = journey_id_for_intake(life_event, idempotency_key)
        existing = await run_in_threadpool(session.get, IntakeRecord, idempotency_key)
        if existing is not None:
            if existing.request_hash != request_hash:
                raise HTTPException(
                    status.HTTP_409_CONFLICT,
                    "This Idempotency-Key was already used for a different intake",
                )
            replay = True

    plan = await run_in_threadpool(_plan, session, settings, definition, intake, journey_id)
    if credentials is not None and settings.oidc_issuer and looks_like_jwt(credentials.credentials):
        # Signed in with OpenID Connect: the journey is theirs, whatever device asks later.
        await run_in_threadpool(_own, session, settings, credentials.credentials, journey_id)
    if idempotency_key is not None and not replay:
        record, created = await run_in_threadpool(
            _remember, session, idempotency_key, request_hash, journey_id, life_event
        )
        if record.request_hash != request_hash:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                "This Idempotency-Key was already used for a different intake",
            )
        replay = not created

    # Starting is idempotent too (see start_journey): a retry after a crash between
    # remembering the key and starting never starts a second journey.
    if not await start_journey(temporal, settings, plan):
        replay = True

    if replay:
        response.status_code = status.HTTP_200_OK
    return IntakeAccepted(
        journey_id=journey_id,
        access_token=journey_token(settings.app_secret, journey_id),
        status_url=f"/v1/journeys/{journey_id}",
        life_event=life_event,
        services=[service.service_id for service in plan.services],
    )
