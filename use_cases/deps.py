"""The typed dependencies both faces take: a database session, the settings, the gateway to
Temporal. Credentials are each face's own (``api.deps``, ``web.sessions``)."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from core.db import get_engine
from core.settings import Settings, get_settings
from use_cases.gateway import TemporalGateway


def _session() -> Iterator[Session]:
    with Session(get_engine()) as session:
        yield session


SessionDep = Annotated[Session, Depends(_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def _gateway(request: Request, settings: SettingsDep) -> TemporalGateway:
    return TemporalGateway(request.app.state.temporal, settings)


GatewayDep = Annotated[TemporalGateway, Depends(_gateway)]
