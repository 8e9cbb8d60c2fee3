"""Preparing what an agency receives: only its declared fields, and where to call back.

What is shared, with whom, is written to the audit trail: the person's access log shows it.
"""

import asyncio

from sqlmodel import Session
from temporalio import activity

from core import audit
from core.db import get_engine
from core.fields import get_path, pick
from core.ids import callback_id as signed_callback_id
from core.models import AgencyRequest, PrepareRequestInput
from core.settings import get_settings


def _record_access(request: PrepareRequestInput, fields: list[str]) -> None:
    with Session(get_engine()) as session:
        audit.append(
            session,
            actor=f"agency:{request.agency_id}",
            action="personal_data_shared",
            journey_id=request.journey_id,
            agency_id=request.agency_id,
            detail={"service_id": request.service_id, "fields": fields, "round": request.round},
            event_key=f"{request.workflow_id}/shared/{request.round}",
        )


@activity.defn
async def prepare_agency_request(request: PrepareRequestInput) -> AgencyRequest:
    callback_id = signed_callback_id(
        get_settings().app_secret, request.agency_id, request.workflow_id, request.round
    )
    data = pick(request.intake, request.fields)
    if request.record_access and request.agency_id:
        shared = [path for path in request.fields if get_path(data, path) is not None]
        await asyncio.to_thread(_record_access, request, shared)
    return AgencyRequest(
        journey_id=request.journey_id,
        service_id=request.service_id,
        life_event=request.life_event,
        step_id=request.step_id,
        data=data,
        prerequisites=request.prerequisites,
        information=request.information,
        round=request.round,
        callback_url=f"{request.callback_base_url.rstrip('/')}/v1/agency-callbacks/{callback_id}",
    )
