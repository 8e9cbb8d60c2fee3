"""Typed dependencies shared by the routes."""

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from temporalio.client import Client

from lifeevents.db import get_engine
from lifeevents.registry import agency_for_key
from lifeevents.settings import Settings, get_settings
from lifeevents.tables import Agency


def _session() -> Iterator[Session]:
    with Session(get_engine()) as session:
        yield session


def _temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


SessionDep = Annotated[Session, Depends(_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TemporalDep = Annotated[Client, Depends(_temporal)]
_bearer = HTTPBearer(auto_error=False)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _unauthorized() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Missing or invalid credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )


def _operator(credentials: BearerDep, settings: SettingsDep) -> None:
    if credentials is None or not hmac.compare_digest(
        credentials.credentials.encode(), settings.operator_token.encode()
    ):
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


OperatorDep = Annotated[None, Depends(_operator)]
RegistryDep = Annotated[None, Depends(_registry)]
IntegratorDep = Annotated[Agency, Depends(_integrator)]
