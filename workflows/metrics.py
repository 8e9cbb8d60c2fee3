"""The journey figures the workflows count: journeys started and ended, time to outcome, step
duration, SLA breaches. Recorded on Temporal's workflow metric meter, which records nothing
while a workflow replays its history, so a journey replayed after an eviction or a worker's
crash is not counted again (a workflow task that fails and runs again may count twice: at
least once, rarely twice). The worker's Prometheus endpoint (WORKER_METRICS_ADDRESS) exports
them beside the SDK's own metrics; without it the meter records nothing.

Recording a metric adds no command to the history, so these calls need no patch: recorded
histories replay unchanged. Labels are values our code bounds (life events of the catalogue,
registered service and agency ids, states and outcomes), never anything a person typed.
"""

from collections.abc import Mapping
from datetime import timedelta

from temporalio import workflow

JOURNEYS_STARTED = "lifeevents_journeys_started"
JOURNEYS_ENDED = "lifeevents_journeys_ended"
JOURNEY_DURATION = "lifeevents_journey_duration_seconds"
STEP_DURATION = "lifeevents_step_duration_seconds"
SLA_BREACHES = "lifeevents_sla_breaches"

# Journeys and steps last from a second (an instant agency) to weeks (a late agency, a person
# who answers on the last day): buckets in seconds from one second to sixty days.
DURATION_BUCKETS_SECONDS = [
    1.0,
    5.0,
    30.0,
    60.0,
    300.0,
    1800.0,
    3600.0,
    6 * 3600.0,
    86400.0,
    2 * 86400.0,
    5 * 86400.0,
    10 * 86400.0,
    30 * 86400.0,
    60 * 86400.0,
]
HISTOGRAM_BUCKETS = {
    JOURNEY_DURATION: DURATION_BUCKETS_SECONDS,
    STEP_DURATION: DURATION_BUCKETS_SECONDS,
}


def _count(name: str, description: str, attributes: Mapping[str, str]) -> None:
    workflow.metric_meter().create_counter(name, description).add(1, attributes)


def _seconds(name: str, description: str, took: timedelta, attributes: Mapping[str, str]) -> None:
    workflow.metric_meter().create_histogram_float(name, description, "s").record(
        max(took.total_seconds(), 0.0), attributes
    )


def journey_started(life_event: str, *, proactive: bool) -> None:
    _count(
        JOURNEYS_STARTED,
        "Journeys started, by life event and how (intake or a registry's proactive offer)",
        {"life_event": life_event, "start": "proactive" if proactive else "intake"},
    )


def journey_ended(life_event: str, state: str, took: timedelta) -> None:
    attributes = {"life_event": life_event, "state": state}
    _count(JOURNEYS_ENDED, "Journeys ended, by life event and final state", attributes)
    _seconds(
        JOURNEY_DURATION,
        "Time from a journey's start to its outcome, by life event and final state",
        took,
        attributes,
    )


def step_ended(service: str, agency: str, state: str, outcome: str, took: timedelta) -> None:
    _seconds(
        STEP_DURATION,
        "Time an agency service's step took, from its start to its outcome",
        took,
        {"service": service, "agency": agency, "state": state, "outcome": outcome},
    )


def sla_breached(service: str, agency: str, action: str) -> None:
    """An agency did not decide within its service's SLA; ``action``: ``failed`` or
    ``escalated`` (what the service's ``on_sla`` made of it)."""
    _count(
        SLA_BREACHES,
        "Agency decisions not given within the service's SLA, by service, agency and action",
        {"service": service, "agency": agency, "action": action},
    )
