"""OpenTelemetry traces, off unless OTLP_TRACES_ENDPOINT is set: one trace from the intake
(the API's server span) through the journey's workflows and activities (Temporal's
TracingInterceptor on the client, which the worker takes from its client) to the agency's HTTP
request (a client span, its context sent in the ``traceparent`` header).

Spans go in batches to an OTLP over HTTP/protobuf endpoint (an OpenTelemetry Collector,
Jaeger, Tempo...). The SDK and its exporter are the ``tracing`` extra (``pip install
'lifeevents[tracing]'``); the OpenTelemetry API, which FastAPI already needs, is all the rest of
the code uses, and without a provider its spans cost nothing and are sent nowhere.

Spans carry names, routes, ids (journey, workflow, service) and HTTP statuses only: never a
request's body or query string (a person's link carries their token there), never a name.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from opentelemetry import propagate, trace

from core.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from temporalio.client import Interceptor

INSTRUMENTATION = "lifeevents"
MISSING_EXTRA = (
    "OTLP_TRACES_ENDPOINT is set but the OpenTelemetry SDK is not installed: "
    "pip install 'lifeevents[tracing]'"
)

# The provider of the worker's own spans (the agency request), when tracing is on: activities
# are plain functions, with no application object to hang it on.
_activities_provider: "TracerProvider | None" = None


def start(settings: Settings, service_name: str) -> "TracerProvider | None":
    """Make this process's tracer provider, exporting to OTLP_TRACES_ENDPOINT; None when that is
    unset. ``service_name`` tells the processes apart in the traces (lifeevents-api, ...)."""
    if settings.otlp_traces_endpoint is None:
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as error:
        raise RuntimeError(MISSING_EXTRA) from error
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_traces_endpoint))
    )
    return provider


def stop(provider: "TracerProvider | None") -> None:
    """Send what is left and stop exporting."""
    global _activities_provider
    if provider is None:
        return
    provider.shutdown()
    if _activities_provider is provider:
        _activities_provider = None


def tracer(provider: "TracerProvider | None") -> trace.Tracer:
    """A tracer of ``provider``: a no-op one when tracing is off."""
    if provider is None:
        return trace.NoOpTracer()
    return provider.get_tracer(INSTRUMENTATION)


def use_for_activities(provider: "TracerProvider | None") -> None:
    """The worker's activities make their spans (the agency request) with ``provider``."""
    global _activities_provider
    _activities_provider = provider


def temporal_interceptors(provider: "TracerProvider | None") -> Sequence["Interceptor"]:
    """Temporal's OpenTelemetry interceptor, for a client (a worker takes it from its client):
    a span for starting, signalling, updating and querying a workflow, for running it and each
    activity, with the context carried in Temporal's headers from one to the next."""
    if provider is None:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor(provider.get_tracer(INSTRUMENTATION))]


@contextmanager
def agency_request_span(
    method: str, host: str, service_id: str, headers: dict[str, str]
) -> Iterator[trace.Span]:
    """A client span around one HTTP request to an agency; the trace context goes into
    ``headers`` (``traceparent``), so the agency's own traces join the journey's."""
    with tracer(_activities_provider).start_as_current_span(
        f"{method} agency",
        kind=trace.SpanKind.CLIENT,
        attributes={
            "http.request.method": method,
            "server.address": host,
            "lifeevents.service_id": service_id,
        },
    ) as span:
        if span.is_recording():
            propagate.inject(headers)
        yield span


def record_status(span: trace.Span, status: int) -> None:
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(trace.StatusCode.ERROR)
