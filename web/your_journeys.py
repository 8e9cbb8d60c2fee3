"""A signed-in person's journeys: every journey they own (``JourneyOwner``: started on the
pages or through the API while signed in), newest first, each linking to its page."""

import asyncio

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, select

from core.catalog import get_catalog
from core.models import JourneyStatus
from core.tables import JourneyOwner
from use_cases.deps import SessionDep, SettingsDep
from use_cases.errors import JourneyNotFound, StatusUnavailable
from use_cases.gateway import TemporalGateway
from web.i18n import request_language
from web.rendering import not_found, render, see_other
from web.sessions import citizen_session

router = APIRouter(include_in_schema=False)
# The most journeys one page shows (a person has a handful; this bounds the status reads).
MAX_SHOWN = 50


def owned_journeys(session: Session, subject_hash: str) -> list[str]:
    try:
        return list(
            session.exec(
                select(JourneyOwner.journey_id)
                .where(JourneyOwner.subject_hash == subject_hash)
                .limit(MAX_SHOWN)
            )
        )
    finally:
        session.close()


@router.get("/your-journeys", response_class=HTMLResponse)
async def your_journeys(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    if not settings.sign_in_enabled:
        return not_found(request, settings)
    signed_in = citizen_session(request, settings)
    if signed_in is None:
        return see_other("/sign-in?return_to=/your-journeys")
    journey_ids = await run_in_threadpool(owned_journeys, session, signed_in.subject_hash)
    gateway = TemporalGateway(request.app.state.temporal, settings)

    unavailable = 0

    async def status_of(journey_id: str) -> JourneyStatus | None:
        nonlocal unavailable
        try:
            return await gateway.journey_status(journey_id)
        except JourneyNotFound:
            return None  # gone with Temporal's retention
        except StatusUnavailable:
            unavailable += 1
            return None

    found = await asyncio.gather(*(status_of(journey_id) for journey_id in journey_ids))
    journeys = sorted(
        (status for status in found if status is not None),
        key=lambda status: status.started_at,
        reverse=True,
    )
    language = request_language(request)
    return render(
        request,
        settings,
        "your_journeys.html",
        {
            "journeys": journeys,
            "unavailable": unavailable,
            "catalog": get_catalog(),
            "format_date": lambda moment: format_date(moment, format="long", locale=language),
        },
    )
