"""Operators' bulk actions on the journeys a filter matches: preview, then execute."""

from fastapi import APIRouter

from api.deps import OperatorDep
from api.openapi import problem_responses
from use_cases import bulk_actions
from use_cases.bulk_actions import BulkExecution, BulkPreview, BulkPreviewRequest, BulkResult
from use_cases.deps import GatewayDep, SessionDep, SettingsDep

router = APIRouter(prefix="/v1/journeys/bulk-actions", tags=["operators"])


@router.post("/preview", response_model=BulkPreview)
async def preview_bulk_action(
    request: BulkPreviewRequest, operator: OperatorDep, gateway: GatewayDep, settings: SettingsDep
) -> BulkPreview:
    """How many journeys the filter (the filters of ``GET /v1/journeys``) matches, the exact
    visibility query, and the token to execute the action on them with (at most
    ``max`` journeys; nothing is done yet)."""
    return await bulk_actions.preview(gateway, settings, operator, request)


@router.post(
    "",
    response_model=BulkResult,
    responses=problem_responses(
        {
            409: "The preview does not confirm it (another filter, action, operator or count, "
            "expired), or the filter matches another number of journeys by now"
        }
    ),
)
async def execute_bulk_action(
    request: BulkExecution,
    operator: OperatorDep,
    gateway: GatewayDep,
    settings: SettingsDep,
    session: SessionDep,
) -> BulkResult:
    """Execute a previewed action, with a reason, on every journey the filter matches, one at
    a time, oldest started first: an outcome per journey (``applied``, or ``refused`` with the
    journey's reason), each applied one audited, and the batch too."""
    session.close()
    return await bulk_actions.execute(gateway, settings, session, operator, request)
