"""The people's pages as a face: the citizen service, the operators' console, the public
performance page and their static files, installed on the app that ``server.app`` assembles."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from web import (
    confirmation_pages,
    intake_pages,
    journey_pages,
    performance_pages,
    sign_in,
    survey_pages,
    your_journeys,
)
from web.console import routes as console
from web.rendering import STATIC_DIR

CITIZEN_PAGES = (
    intake_pages,
    journey_pages,
    confirmation_pages,
    survey_pages,
    sign_in,
    your_journeys,
    performance_pages,
)


def install(app: FastAPI) -> None:
    """Every page, the console (/console) and /static."""
    for module in CITIZEN_PAGES:
        app.include_router(module.router)
    console.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
