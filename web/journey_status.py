"""A journey's status for a page, or the page that says why there is none."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from core.models import JourneyStatus
from core.settings import Settings
from use_cases.errors import JourneyNotFound, StatusUnavailable
from use_cases.gateway import TemporalGateway
from web.rendering import not_found, unavailable


async def status_or_error_page(
    request: Request, settings: Settings, gateway: TemporalGateway, journey_id: str
) -> JourneyStatus | HTMLResponse:
    """The status; else not found (404), or Temporal not answering in time (503)."""
    try:
        return await gateway.journey_status(journey_id)
    except JourneyNotFound:
        return not_found(request, settings)
    except StatusUnavailable:
        return unavailable(request, settings)
