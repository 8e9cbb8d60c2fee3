"""The console's pages, mounted under /console, and where strangers are sent."""

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from web.console import (
    agencies_page,
    assisted_intake_pages,
    bulk_actions_pages,
    checked_form,
    delivery_log_page,
    find_journeys,
    incidents_page,
    journey_actions,
    journey_page,
    missing_page,
    sign_in,
)
from web.console.session import OperatorSessionDep, SignInRequired, sign_in_url
from web.rendering import see_other

router = APIRouter(include_in_schema=False)


@router.get("/console")
def console_home(_: OperatorSessionDep) -> Response:
    return see_other("/console/journeys")


async def _to_sign_in(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequired)
    return see_other(sign_in_url(error.back_to))


def install(app: FastAPI) -> None:
    """The console's routes, and its answers to a page opened without a session, to a page
    that does not exist and to a form whose CSRF token is not valid."""
    for module in (
        sign_in,
        find_journeys,
        journey_page,
        journey_actions,
        incidents_page,
        agencies_page,
        delivery_log_page,
        bulk_actions_pages,
        assisted_intake_pages,
    ):
        app.include_router(module.router)
    app.include_router(router)
    app.add_exception_handler(SignInRequired, _to_sign_in)
    checked_form.install(app)
    missing_page.install(app)
