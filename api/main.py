"""The FastAPI application: one process, many replicas behind a load balancer at scale."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api.body_limit import BodyLimitMiddleware
from api.errors import install_handlers
from api.json_depth import JsonDepthMiddleware
from api.metrics import CountingMiddleware, JourneyMetrics
from api.openapi import describe, operation_id
from api.problems import Problem
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
from api.tracing import TracingMiddleware
from api.webhooks import webhooks
from lifeevents import tracing
from lifeevents.catalog import get_catalog
from lifeevents.db import get_engine
from lifeevents.migrations import require_current_schema
from lifeevents.settings import get_settings
from lifeevents.temporal import connect
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


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    settings.check_secrets()  # uvicorn may import api.main:app without the lifeevents command
    require_current_schema(get_engine())  # made by `lifeevents setup`, not here
    provider = tracing.start(settings, "lifeevents-api")
    app.state.tracer = tracing.tracer(provider)
    app.state.temporal = await connect(
        settings, interceptors=tracing.temporal_interceptors(provider)
    )
    try:
        yield
    finally:
        tracing.stop(provider)


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="Life-event journey orchestrator",
        version="1.0.0",
        summary="Tell us once: one intake per life event, fanned out to every agency involved.",
        description="Every error is an RFC 9457 problem (application/problem+json); listings "
        'page with an opaque `cursor` (`next_cursor`, and a `Link: rel="next"` header); '
        "service registrations carry an `ETag` and take `If-Match`.",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        responses={500: {"model": Problem, "description": "A fault on our side"}},
    )
    app.webhooks.include_router(webhooks)
    for module in (
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
    ):
        app.include_router(module.router)
    # The citizen's web pages, beside the JSON API (which they call in process).
    app.include_router(intake_pages.router)
    app.include_router(journey_pages.router)
    app.include_router(confirmation_pages.router)
    app.include_router(survey_pages.router)
    app.include_router(sign_in.router)
    app.include_router(your_journeys.router)
    app.include_router(performance_pages.router)
    console.install(app)  # the operators' pages (/console)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_handlers(app)

    def openapi() -> dict[str, Any]:
        return describe(app, settings)

    app.openapi = openapi  # type: ignore[method-assign]
    # Inside CORS, so that their refusals (422, 413) still carry the codec's CORS headers.
    app.add_middleware(JsonDepthMiddleware)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    # The Temporal UI calls the codec server from the browser.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[o.strip() for o in settings.codec_cors_origins.split(",")],
        allow_credentials=True,
        allow_methods=["POST"],
        allow_headers=["content-type", "x-namespace", "authorization"],
    )
    # Outermost: it counts the answers of everything inside, refusals included.
    app.state.metrics = JourneyMetrics(get_catalog())
    app.add_middleware(CountingMiddleware, metrics=app.state.metrics)
    if settings.otlp_traces_endpoint is not None:
        # Outermost of all: the span covers the whole answer, and the intake's workflow start
        # (Temporal's interceptor) is its child.
        app.add_middleware(TracingMiddleware)
    return app


app = create_app()
