"""The one ASGI app: the JSON API and the pages, two faces over the same use cases, with the
middleware both share. One process, many replicas behind a load balancer at scale."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

import api.routers
import web.pages
from api.body_limit import BodyLimitMiddleware
from api.json_depth import JsonDepthMiddleware
from api.metrics import CountingMiddleware, JourneyMetrics
from api.openapi import operation_id
from api.problems import Problem
from api.tracing import TracingMiddleware
from core import tracing
from core.catalog import get_catalog
from core.db import get_engine
from core.migrations import require_current_schema
from core.settings import get_settings
from core.temporal import connect


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    settings.check_secrets()  # uvicorn may import server.app:app without the lifeevents command
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
    api.routers.install(app, settings)  # the JSON API
    web.pages.install(app)  # the people's pages, beside it
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
