"""A server span for every HTTP request the API answers, when tracing is on (OTLP_TRACES_ENDPOINT,
core/tracing.py): the trace an intake starts goes on through the journey's workflow,
activities and agency requests. It continues a caller's ``traceparent``.

Ours rather than FastAPI's own telemetry, which records the query string: a person's journey
link carries their token there. This one records the method, the route's template (never the
path's values) and the status."""

from opentelemetry import propagate, trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class TracingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in (b"traceparent", b"tracestate")
        }
        method = scope["method"]
        # The application's tracer, made when it starts (its lifespan).
        tracer: trace.Tracer = scope["app"].state.tracer
        with tracer.start_as_current_span(
            method,
            context=propagate.extract(carrier),
            kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": method},
        ) as span:

            async def send_traced(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = message["status"]
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(trace.StatusCode.ERROR)
                await send(message)

            try:
                await self.app(scope, receive, send_traced)
            finally:
                # Known once routed: the template (/v1/journeys/{journey_id}), never the values.
                route = getattr(scope.get("route"), "path", None)
                if route is not None:
                    span.set_attribute("http.route", route)
                    span.update_name(f"{method} {route}")
