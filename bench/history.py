"""The shape and size of a workflow's history, its children's included: events, bytes,
activities, local activities, children, workflow tasks, signals and timers.

And a wide journey (`--wide S`): one journey of S webhook services, started on the worker
directly, to see how a journey's history grows with its services.
"""

import asyncio
import time
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import History
from temporalio.client import Client

from bench.loads import birth_intake

_COUNTED = {
    "activities": EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    "children": EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
    "workflow_tasks": EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    "signals_received": EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    "signals_sent": EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
    "timers": EventType.EVENT_TYPE_TIMER_STARTED,
    "search_attribute_upserts": EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
}
KEYS = ["events", "bytes", "local_activities", "markers", *_COUNTED]


async def shape(client: Client, workflow_id: str) -> dict[str, Any]:
    """One workflow's history and, recursively, its children's: per workflow and in total."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    kinds = Counter(event.event_type for event in history.events)
    markers = [
        e.marker_recorded_event_attributes.marker_name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    ]
    own: dict[str, Any] = {
        "events": len(history.events),
        "bytes": History(events=history.events).ByteSize(),
        "local_activities": markers.count("core_local_activity"),
        "markers": len(markers),
        **{name: kinds[kind] for name, kind in _COUNTED.items()},
        "activity_types": sorted(
            e.activity_task_scheduled_event_attributes.activity_type.name
            for e in history.events
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        ),
    }
    child_ids = [
        e.start_child_workflow_execution_initiated_event_attributes.workflow_id
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
    ]
    children = await asyncio.gather(*(shape(client, child) for child in child_ids))
    total = {key: own[key] + sum(c["total"][key] for c in children) for key in KEYS}
    return {"workflow_id": workflow_id, "own": own, "children": children, "total": total}


def describe(name: str, found: dict[str, Any]) -> str:
    """A few lines: the total, the parent, and each child."""
    t, own = found["total"], found["own"]
    lines = [
        f"{name}: {t['events']} events, {t['bytes'] / 1024:.1f} KiB in all "
        f"({1 + len(found['children'])} workflows)",
        f"  total   {_counts(t)}",
        f"  parent  {_counts(own)}",
    ]
    for child in found["children"]:
        label = child["workflow_id"].rsplit("/", 1)[-1][:40]
        lines.append(f"  child   {_counts(child['own'])}  {label}")
    return "\n".join(lines)


def _counts(c: dict[str, Any]) -> str:
    return (
        f"{c['events']:4d} ev {c['bytes']:7d} B  act {c['activities']:2d}  "
        f"local {c['local_activities']:2d}  children {c['children']}  "
        f"wft {c['workflow_tasks']:2d}  "
        f"sig in/out {c['signals_received']}/{c['signals_sent']}  timers {c['timers']}"
    )


async def wide_journey(
    client: Client, agencies: str, task_queue: str, services: int, timeout: float
) -> dict[str, Any]:
    """One journey of `services` webhook services that decide at once, on the worker directly."""
    from core.models import JourneyPlan, LocalizedText, ServicePlan, WebhookDelivery
    from workflows.journey import LifeEventJourney

    journey_id = str(uuid.uuid4())
    plan = JourneyPlan(
        journey_id=journey_id,
        life_event="birth",
        definition_version=1,
        language="en",
        intake=birth_intake(),
        callback_base_url="http://127.0.0.1:9",  # the service decides at once: no callback
        services=[
            ServicePlan(
                service_id=f"bench.service-{i:02d}",
                agency_id="passport",
                agency_name="Passport Office",
                title=LocalizedText(en=f"Service {i}", fr=f"Service {i}"),
                registration_version=1,
                fields=["child.given_name"],
                consent=True,
                delivery=WebhookDelivery(url=f"{agencies}/agencies/passport.cancel"),
                sla=timedelta(days=1),
            )
            for i in range(services)
        ],
    )
    began = time.perf_counter()
    handle = await client.start_workflow(
        LifeEventJourney.run, plan, id=journey_id, task_queue=task_queue
    )
    status = await asyncio.wait_for(handle.result(), timeout)
    elapsed = time.perf_counter() - began
    return {
        "services": services,
        "state": status.state,
        "e2e_ms": round(elapsed * 1000, 1),
        "history": await shape(client, journey_id),
    }
