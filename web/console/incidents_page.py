"""The incident queue: failed, escalated and SLA-breached steps by agency and error."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from use_cases.deps import SettingsDep
from use_cases.gateway import TemporalGateway
from use_cases.incidents import incident_queue
from use_cases.journey_search import temporal_ui_query_url
from web.console.session import OperatorSessionDep
from web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/console/incidents", response_class=HTMLResponse)
async def incidents(
    request: Request, operator: OperatorSessionDep, settings: SettingsDep
) -> HTMLResponse:
    queue = await incident_queue(TemporalGateway(request.app.state.temporal, settings))
    return render(
        request,
        settings,
        "console/incidents.html",
        {
            "operator": operator,
            "queue": queue,
            "temporal_ui_url": temporal_ui_query_url(
                settings.effective_temporal_ui_url, settings.temporal_namespace, queue.query
            ),
        },
    )
