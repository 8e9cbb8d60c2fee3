"""The journey figures the API counts itself, for Prometheus (``GET /metrics``): every intake,
agency callback and registry event by outcome, counted around the whole application so that the
refusals of the middleware (413, 422 on depth) and of the routes (401, 404, 409, 422, 429) are
counted alike."""

import re
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_INTAKE = re.compile(r"^/v1/life-events/([^/]+)/intakes/?$")
_CALLBACK = re.compile(r"^/v1/agency-callbacks/[^/]+/?$")
_REGISTRY_EVENTS = re.compile(r"^/v1/registry-events/?$")
# A life event that is not in the catalogue is counted under this name: labels stay bounded
# whatever path an outsider sends.
UNKNOWN_LIFE_EVENT = "unknown"


def outcome(status: int) -> str:
    """``accepted`` (202), ``replayed`` (200: the same intake, callback or event again),
    ``refused`` (4xx, the ``status`` label says why) or ``failed`` (5xx)."""
    if status == 202:
        return "accepted"
    if status < 300:
        return "replayed"
    if status < 500:
        return "refused"
    return "failed"


class JourneyMetrics:
    """The counters, in a registry of their own (one per application, not the process-wide
    default one, so that two applications in one process, as in the tests, count apart)."""

    def __init__(self, life_events: Iterable[str]) -> None:
        self.registry = CollectorRegistry()
        self._life_events = frozenset(life_events)
        self.intakes = Counter(
            "lifeevents_intakes",
            "Intakes received, by life event, outcome and HTTP status",
            ["life_event", "outcome", "status"],
            registry=self.registry,
        )
        self.agency_callbacks = Counter(
            "lifeevents_agency_callbacks",
            "Agency callbacks received, by outcome and HTTP status",
            ["outcome", "status"],
            registry=self.registry,
        )
        self.registry_events = Counter(
            "lifeevents_registry_events",
            "Registry events received, by outcome and HTTP status",
            ["outcome", "status"],
            registry=self.registry,
        )

        self.journeys = Gauge(
            "lifeevents_journeys",
            "Journeys by state, read from Temporal's visibility when scraped (closed ones "
            "within the namespace's retention)",
            ["state"],
            registry=self.registry,
        )
        self.journey_counts_up = Gauge(
            "lifeevents_journey_counts_up",
            "1 when the last scrape read the journeys' counts from Temporal, 0 when it could not",
            registry=self.registry,
        )

    def record_journey_counts(self, counts: dict[str, int] | None) -> None:
        """The counts read at this scrape; None when Temporal did not answer (no stale ones
        are then shown)."""
        self.journeys.clear()
        self.journey_counts_up.set(0 if counts is None else 1)
        for state, count in (counts or {}).items():
            self.journeys.labels(state).set(count)

    def counter_for(self, method: str, path: str) -> Callable[[int], None] | None:
        """What counts a request's answer (by its status), if it is one we count."""
        if method != "POST":
            return None
        intake = _INTAKE.match(path)
        if intake:
            life_event = intake.group(1)
            if life_event not in self._life_events:
                life_event = UNKNOWN_LIFE_EVENT
            return lambda status: self.intakes.labels(
                life_event, outcome(status), str(status)
            ).inc()
        if _CALLBACK.match(path):
            return lambda status: self.agency_callbacks.labels(outcome(status), str(status)).inc()
        if _REGISTRY_EVENTS.match(path):
            return lambda status: self.registry_events.labels(outcome(status), str(status)).inc()
        return None


class CountingMiddleware:
    """Counts each answer to the requests ``JourneyMetrics`` counts (outermost, so that it sees
    every other middleware's refusals)."""

    def __init__(self, app: ASGIApp, metrics: JourneyMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        count = (
            self.metrics.counter_for(scope["method"], scope["path"])
            if scope["type"] == "http"
            else None
        )
        if count is None:
            await self.app(scope, receive, send)
            return
        answered = 500  # an exception that escapes every handler ends as a 500

        async def send_counted(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            count(answered)
