"""Typed dependencies shared by the routes."""

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from api.gateway import TemporalGateway
from lifeevents import audit
from lifeevents.credentials import agency_for_key
from lifeevents.db import get_engine
from lifeevents.ids import journey_of_token
from lifeevents.oidc import identify, looks_like_jwt
from lifeevents.settings import Settings, get_settings
from lifeevents.tables import Agency, JourneyOwner


def _session() -> Iterator[Session]:
    with Session(get_engine()) as session:
        yield session


SessionDep = Annotated[Session, Depends(_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def _gateway(request: Request, settings: SettingsDep) -> TemporalGateway:
    return TemporalGateway(request.app.state.temporal, settings)


GatewayDep = Annotated[TemporalGateway, Depends(_gateway)]
_bearer = HTTPBearer(auto_error=False)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _unauthorized() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Missing or invalid credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )


def is_operator(token: str | None, settings: Settings) -> bool:
    """The operators' token, or an OpenID Connect token carrying the operator role."""
    if token is None:
        return False
    if hmac.compare_digest(token.encode(), settings.operator_token.encode()):
        return True
    identity = identify(settings, token)
    return identity is not None and identity.operator


def _operator(credentials: BearerDep, settings: SettingsDep) -> None:
    if credentials is None or not is_operator(credentials.credentials, settings):
        raise _unauthorized()


def _integrator(agency_id: str, credentials: BearerDep, session: SessionDep) -> Agency:
    if credentials is None:
        raise _unauthorized()
    agency = agency_for_key(session=session, api_key=credentials.credentials)
    if agency is None:
        raise _unauthorized()
    if agency.agency_id != agency_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This key belongs to another agency")
    return agency


def _registry(credentials: BearerDep, settings: SettingsDep) -> None:
    if credentials is None or not hmac.compare_digest(
        credentials.credentials.encode(), settings.registry_token.encode()
    ):
        raise _unauthorized()


def _agency_admin(
    agency_id: str, credentials: BearerDep, session: SessionDep, settings: SettingsDep
) -> Agency:
    """The agency's own integrators, or an operator (to rotate or revoke in an incident)."""
    if credentials is not None and is_operator(credentials.credentials, settings):
        agency = session.get(Agency, agency_id)
        if agency is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No agency '{agency_id}'")
        return agency
    return _integrator(agency_id, credentials, session)


class JourneyAccess:
    """Who is acting on a journey: the person (their journey token) or an operator (with a
    stated reason, which the audit trail keeps)."""

    def __init__(self, who: str, reason: str | None = None) -> None:
        self.who = who
        self.reason = reason


def _journey_access(
    journey_id: str,
    credentials: BearerDep,
    settings: SettingsDep,
    session: SessionDep,
    x_access_reason: Annotated[str | None, Header(max_length=500)] = None,
) -> JourneyAccess:
    if credentials is None:
        raise _unauthorized()
    token = credentials.credentials
    if is_operator(token, settings):
        if not x_access_reason:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "Operators state a reason (X-Access-Reason)"
            )
        audit.append(
            session,
            actor="operator",
            action="journey_accessed",
            journey_id=journey_id,
            detail={"reason": x_access_reason},
        )
        return JourneyAccess("operator", x_access_reason)
    if looks_like_jwt(token):
        identity = identify(settings, token)
        if identity is None:
            raise _unauthorized()
        owner = session.get(JourneyOwner, journey_id)
        if owner is None or not hmac.compare_digest(owner.subject_hash, identity.subject_hash):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No journey '{journey_id}'")
        return JourneyAccess("citizen")
    if journey_of_token(settings.app_secret, token) != journey_id:
        # Not 403: a token must not tell whether another journey exists.
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No journey '{journey_id}'")
    return JourneyAccess("citizen")


OperatorDep = Annotated[None, Depends(_operator)]
JourneyAccessDep = Annotated[JourneyAccess, Depends(_journey_access)]
AgencyAdminDep = Annotated[Agency, Depends(_agency_admin)]
RegistryDep = Annotated[None, Depends(_registry)]
IntegratorDep = Annotated[Agency, Depends(_integrator)]
# A database row's id in a path: what the database can hold (a larger one is a 422, not a 500).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
