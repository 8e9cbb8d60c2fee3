"""Preparing what an agency receives: only its declared fields, and where to call back."""

from temporalio import activity

from lifeevents.callbacks import make_callback_id
from lifeevents.fields import pick
from lifeevents.models import AgencyRequest, PrepareRequestInput
from lifeevents.settings import get_settings


@activity.defn
async def prepare_agency_request(request: PrepareRequestInput) -> AgencyRequest:
    callback_id = make_callback_id(get_settings().app_secret, request.workflow_id, request.round)
    return AgencyRequest(
        journey_id=request.journey_id,
        service_id=request.service_id,
        life_event=request.life_event,
        step_id=request.step_id,
        data=pick(request.intake, request.fields),
        prerequisites=request.prerequisites,
        information=request.information,
        round=request.round,
        callback_url=f"{request.callback_base_url.rstrip('/')}/v1/agency-callbacks/{callback_id}",
    )
