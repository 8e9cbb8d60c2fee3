"""The agencies, read-only: services, versions, live native workers, how their journeys fare.
The delivery log and the actions (resend, rotate, …) come in later beside these figures."""

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from use_cases.agency_overview import AgencyOverview, registered_agencies, with_live_figures
from use_cases.deps import SessionDep, SettingsDep
from use_cases.gateway import TemporalGateway
from use_cases.journey_search import temporal_ui_query_url
from web.console.session import OperatorSessionDep
from web.rendering import render

router = APIRouter(include_in_schema=False)


def _registered(session: Session) -> list[AgencyOverview]:
    try:
        return registered_agencies(session)
    finally:
        session.close()


@router.get("/console/agencies", response_class=HTMLResponse)
async def agencies(
    request: Request, operator: OperatorSessionDep, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    found = await run_in_threadpool(_registered, session)
    gateway = TemporalGateway(request.app.state.temporal, settings)
    ui, namespace = settings.effective_temporal_ui_url, settings.temporal_namespace
    return render(
        request,
        settings,
        "console/agencies.html",
        {
            "operator": operator,
            "agencies": await with_live_figures(gateway, found),
            "ui_link": lambda query: temporal_ui_query_url(ui, namespace, query),
        },
    )
