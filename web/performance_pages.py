"""The public performance page: the same figures as GET /v1/performance, for anyone to read."""

from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from use_cases.deps import SessionDep, SettingsDep
from use_cases.performance import public_figures
from use_cases.reports import SMALL_GROUP
from web.i18n import request_language
from web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/performance", response_class=HTMLResponse)
async def performance_page(
    request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Per life event, a table of its quarters, newest first; suppressed figures say so."""
    language = request_language(request)
    figures = await public_figures(request.app.state, session)
    return render(
        request,
        settings,
        "performance.html",
        {
            "events": figures,
            "small_group": SMALL_GROUP,
            "percent": lambda share: format_percent(share, locale=language),
            "number": lambda value: format_decimal(value, locale=language),
        },
    )
