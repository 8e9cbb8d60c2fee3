"""The single intake per life event: validate, handle the Idempotency-Key, pin the plan, start."""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import identity_checks, journey_tokens
from core.catalog import LifeEventDefinition, get_catalog
from core.ids import journey_id_for_intake, new_journey_id
from core.models import JourneyPlan
from core.oidc import identify, looks_like_jwt
from core.plans import resolve_plan
from core.settings import Settings
from core.tables import IntakeRecord, JourneyOwner
from use_cases.errors import (
    IdempotencyKeyReused,
    InvalidToken,
    TooManyFailedIdentityChecks,
    UnknownLifeEvent,
    Unprocessable,
    schema_error_detail,
)
from use_cases.gateway import TemporalGateway


class IntakeAccepted(BaseModel):
    journey_id: str
    status_url: str
    # The person's key to this journey (bearer token on /v1/journeys/{id}…); keep it. It expires
    # (JOURNEY_TOKEN_TTL_DAYS); POST /v1/journeys/{id}/link e-mails a fresh one.
    access_token: str
    life_event: str
    services: list[str]


def life_event_definition(life_event: str) -> LifeEventDefinition:
    definition = get_catalog().get(life_event)
    if definition is None:
        raise UnknownLifeEvent(life_event)
    return definition


async def submit(
    *,
    session: Session,
    settings: Settings,
    gateway: TemporalGateway,
    life_event: str,
    body: Any,
    bearer_token: str | None,
    idempotency_key: str | None,
    client_address: str | None = None,
    signed_in_owner: str = "",
    channel: Literal["api", "web"] = "api",
) -> tuple[IntakeAccepted, bool]:
    """Tell us once: validate the intake, pin the plan and start the journey. Also says whether
    this started it (False: the same intake was already accepted under this key).

    A key is scoped to its life event and its owner (anonymous, or a signed-in person), and a
    replay answers with the journey and its token only when the stored intake record holds the
    same body hash, or, with no record left (purged), the journey's own intake is the same.

    ``signed_in_owner``: the subject hash of a person signed in on the web pages (their
    session, already verified), who owns the journey as a bearer token's subject would.

    Refused (429) while too many identity checks failed lately for the informant's national id,
    or from this client (``client_address``): nothing is started then.
    """
    definition = life_event_definition(life_event)
    intake = _validate(definition, body)
    # Everything the intake does in the database, in one trip to a thread: under load, each
    # trip waits its turn on a busy event loop, and the intake's latency is theirs added up.
    accepted = await run_in_threadpool(
        _record,
        session,
        settings,
        life_event,
        definition,
        intake,
        bearer_token=bearer_token,
        idempotency_key=idempotency_key,
        client_address=client_address,
        signed_in_owner=signed_in_owner,
    )
    plan, issued_at = accepted.plan.model_copy(update={"channel": channel}), accepted.issued_at
    if accepted.replayed:
        # Started already, or not yet if the first request crashed before starting.
        await gateway.start_journey(plan)
        return _accepted(settings, plan, issued_at), False
    if not await gateway.start_journey(plan) and accepted.created:
        # This request stored the key, yet the journey exists: a concurrent replay of the same
        # intake started it, or the key was used before and its record purged since. Only the
        # same intake may have it.
        if await gateway.journey_intake(plan.journey_id) != intake:
            raise IdempotencyKeyReused()
    return _accepted(settings, plan, issued_at), accepted.created


@dataclass(frozen=True)
class _Recorded:
    plan: JourneyPlan
    created: bool  # this request stored the key (or there was none)
    replayed: bool  # the same intake was accepted before under this key
    issued_at: datetime | None  # when the key was first accepted


def _record(
    session: Session,
    settings: Settings,
    life_event: str,
    definition: LifeEventDefinition,
    intake: dict[str, Any],
    *,
    bearer_token: str | None,
    idempotency_key: str | None,
    client_address: str | None,
    signed_in_owner: str,
) -> _Recorded:
    """Check the limits, pin the plan and store the key (once): all but starting the journey."""
    owner = _owner(settings, bearer_token) or signed_in_owner
    client = (
        identity_checks.client_ref(settings.app_secret, client_address) if client_address else None
    )
    _check_identity_limits(session, settings, intake, client)
    created, issued_at = True, None
    if idempotency_key is None:
        journey_id = new_journey_id()
        plan = _plan(session, settings, definition, intake, journey_id, client)
    else:
        request_hash = _request_hash(settings, life_event, intake)
        journey_id = journey_id_for_intake(life_event, idempotency_key, owner)
        record_key = _record_key(settings, life_event, owner, idempotency_key)
        existing = session.get(IntakeRecord, record_key)
        if existing is not None:
            if existing.request_hash != request_hash:
                raise IdempotencyKeyReused()
            plan = _plan(session, settings, definition, intake, journey_id, client)
            created_at = existing.created_at
            session.close()
            return _Recorded(plan, created=False, replayed=True, issued_at=created_at)
        plan = _plan(session, settings, definition, intake, journey_id, client)
        stored_hash, issued_at, created = _remember(
            session, record_key, request_hash, journey_id, life_event
        )
        if stored_hash != request_hash:
            raise IdempotencyKeyReused()
    if created and owner:
        # Signed in with OpenID Connect: the journey is theirs, whatever device asks later.
        _own(session, owner, journey_id)
    # The connection goes back before the journey starts: requests holding connections while
    # they wait on Temporal would exhaust the pool under load.
    session.close()
    return _Recorded(plan, created=created, replayed=False, issued_at=issued_at)


def _accepted(settings: Settings, plan: JourneyPlan, issued_at: datetime | None) -> IntakeAccepted:
    """The answer; a replay under an Idempotency-Key answers the very same token (issued when
    the key was first accepted), so it neither outlives that token's expiry nor a revocation."""
    if issued_at is not None and issued_at.tzinfo is None:
        issued_at = issued_at.replace(tzinfo=UTC)
    return IntakeAccepted(
        journey_id=plan.journey_id,
        access_token=journey_tokens.issue(
            settings, plan.journey_id, issued_at.timestamp() if issued_at else None
        ),
        status_url=f"/v1/journeys/{plan.journey_id}",
        life_event=plan.life_event,
        services=[service.service_id for service in plan.services],
    )


def _owner(settings: Settings, bearer_token: str | None) -> str:
    """The signed-in person's subject hash, "" for an anonymous intake; a JWT that does not
    verify is refused rather than treated as anonymous."""
    if bearer_token is None or not settings.oidc_issuer or not looks_like_jwt(bearer_token):
        return ""
    identity = identify(settings, bearer_token)
    if identity is None:
        raise InvalidToken()
    return identity.subject_hash


def _record_key(settings: Settings, life_event: str, owner: str, key: str) -> str:
    scope = json.dumps([life_event, owner, key], separators=(",", ":"))
    return hmac.new(settings.app_secret.encode(), scope.encode(), hashlib.sha256).hexdigest()


def _request_hash(settings: Settings, life_event: str, body: dict[str, Any]) -> str:
    # Keyed, so the stored hash cannot be tested against guessed personal data.
    canonical = json.dumps([life_event, body], sort_keys=True, separators=(",", ":"))
    return hmac.new(settings.app_secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def _validate(definition: LifeEventDefinition, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Unprocessable(
            [{"loc": ["body"], "msg": "Input should be a JSON object", "type": "dict_type"}]
        )
    errors = sorted(definition.validator().iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        raise Unprocessable([schema_error_detail(error) for error in errors])
    body.setdefault("contact", {}).setdefault("language", "en")
    return body


def _plan(
    session: Session,
    settings: Settings,
    definition: LifeEventDefinition,
    intake: dict[str, Any],
    journey_id: str,
    client: str | None = None,
) -> JourneyPlan:
    plan = resolve_plan(
        session=session,
        definition=definition,
        intake=intake,
        journey_id=journey_id,
        callback_base_url=settings.public_base_url,
    )
    # The identity check records a failure against the client (its keyed hash, not its address).
    return plan.model_copy(update={"client_ref": client})


def _check_identity_limits(
    session: Session, settings: Settings, intake: dict[str, Any], client: str | None
) -> None:
    """Refuse the intake while the informant's national id, or this client, is over its limit
    of failed identity checks; only failures count, so ordinary intakes are never refused."""
    national_id = str(intake.get("informant", {}).get("national_id", ""))
    wait = identity_checks.throttled_for(
        session,
        identity_checks.Limits.of(settings),
        national_id_hash=identity_checks.national_id_hash(settings.app_secret, national_id),
        client_ref=client,
    )
    if wait is not None:
        raise TooManyFailedIdentityChecks(wait)


def _own(session: Session, owner: str, journey_id: str) -> None:
    """Record who owns a journey; an owner, once recorded, is never replaced."""
    session.add(JourneyOwner(journey_id=journey_id, subject_hash=owner))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


def _remember(
    session: Session, key: str, request_hash: str, journey_id: str, life_event: str
) -> tuple[str, datetime, bool]:
    """Store the key; its record's body hash and time, and whether this request stored it (a
    concurrent request may have first). Values, not the row: reading an expired row's
    attributes later, on the event loop, would block it on the database."""
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
        return existing.request_hash, existing.created_at, False
    session.refresh(record)
    return record.request_hash, record.created_at, True
