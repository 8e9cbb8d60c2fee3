"""The JSON API's face: its routes, webhooks, error answers and OpenAPI description, installed
on the app that the composition root (``server.app``) assembles."""

from typing import Any

from fastapi import FastAPI

from api.errors import install_handlers
from api.openapi import describe
from api.routes import (
    agencies,
    assisted_intakes,
    bulk_actions,
    callbacks,
    codec,
    delivery_log,
    dry_runs,
    feedback,
    health,
    journeys,
    life_events,
    metrics,
    operator_actions,
    performance,
    registry_events,
    reports,
    services,
    time_tax,
)
from api.webhooks import webhooks
from core.settings import Settings

ROUTES = (
    life_events,
    assisted_intakes,
    bulk_actions,
    journeys,
    time_tax,
    operator_actions,
    feedback,
    reports,
    callbacks,
    agencies,
    services,
    delivery_log,
    dry_runs,
    registry_events,
    codec,
    health,
    metrics,
    performance,
)


def install(app: FastAPI, settings: Settings) -> None:
    """Every JSON route, the webhooks agencies receive, and the problem answers."""
    app.webhooks.include_router(webhooks)
    for module in ROUTES:
        app.include_router(module.router)
    install_handlers(app)

    def openapi() -> dict[str, Any]:
        return describe(app, settings)

    app.openapi = openapi  # type: ignore[method-assign]
