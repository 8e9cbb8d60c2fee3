"""Confirming a journey a registry's event offered: the informant checked against the life
event's schema before the journey hears of it."""

from core.catalog import get_catalog
from core.models import Confirmation, JourneyStatus
from use_cases.errors import Unprocessable, schema_error_detail
from use_cases.gateway import TemporalGateway


async def confirm(gateway: TemporalGateway, journey_id: str, answer: Confirmation) -> JourneyStatus:
    status_now = await gateway.journey_status(journey_id)
    definition = get_catalog().get(status_now.life_event)
    assert definition is not None
    errors = sorted(
        definition.part_validator("informant").iter_errors(answer.informant),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        raise Unprocessable([schema_error_detail(error, ["body", "informant"]) for error in errors])
    return await gateway.confirm(journey_id, answer)
