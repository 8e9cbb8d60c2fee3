"""The worker: journey workflows and building-block activities on the journeys' task queue."""

import asyncio
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Worker,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.agency_request import prepare_agency_request
from activities.compensation import reverse_payment, withdraw_submission
from activities.consent import record_consent, record_consents
from activities.eligibility import check_eligibility
from activities.identity import verify_identity
from activities.notification import send_notification
from activities.outcome import record_journey_outcome
from activities.payment import record_payment
from activities.submission import deliver_webhook
from core import tracing
from core.ids import journey_id_of
from core.settings import Settings
from core.temporal import connect, metrics_runtime
from workflows import metrics as journey_metrics
from workflows.agency_service import AgencyServiceWorkflow
from workflows.journey import LifeEventJourney
from workflows.versioning import deployment_config

log = structlog.get_logger(__name__)

ACTIVITIES: list[Callable[..., Any]] = [
    verify_identity,
    check_eligibility,
    prepare_agency_request,
    deliver_webhook,
    send_notification,
    record_payment,
    record_consent,
    record_consents,
    withdraw_submission,
    reverse_payment,
    record_journey_outcome,
]
WORKFLOWS = [LifeEventJourney, AgencyServiceWorkflow]

# The sandbox imports a workflow's module afresh for every workflow it runs, with whatever that
# module imports that is not passed through: for a journey, that was a quarter of the worker's
# CPU. Our own modules that workflows import are deterministic and keep no state, and the
# workflow modules already import them under `imports_passed_through`; naming them here also
# covers the `from workflows import calls` form, which slipped past it. Only the two workflow
# modules themselves are still imported in the sandbox, so their own code stays checked.
PASSED_THROUGH = (
    "core",
    # Temporal's tracing interceptor makes workflow spans with it (when tracing is on).
    "opentelemetry",
    "activities",
    "workflows.calls",
    "workflows.journey_status",
    "workflows.journey_updates",
    "workflows.messages",
    "workflows.metrics",
    "workflows.names",
    "workflows.waits",
)
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
)


class _JourneyLogContext(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> object:
        info = activity.info()
        with structlog.contextvars.bound_contextvars(
            journey_id=journey_id_of(info.workflow_id or ""), activity=info.activity_type
        ):
            return await super().execute_activity(input)


class LogContextInterceptor(Interceptor):
    """Every log line an activity writes carries the journey id it works for."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _JourneyLogContext(next)


def build_worker(client: Client, settings: Settings, executor: ThreadPoolExecutor) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        activities=ACTIVITIES,
        activity_executor=executor,
        workflow_runner=WORKFLOW_RUNNER,
        interceptors=[LogContextInterceptor()],
        deployment_config=deployment_config(settings),
    )


async def run_worker(settings: Settings) -> None:
    provider = tracing.start(settings, "lifeevents-worker")
    tracing.use_for_activities(provider)
    client = await connect(
        settings,
        runtime=metrics_runtime(settings, journey_metrics.HISTOGRAM_BUCKETS),
        interceptors=tracing.temporal_interceptors(provider),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    with ThreadPoolExecutor(max_workers=32) as executor:
        worker = build_worker(client, settings, executor)
        log.info("worker started", task_queue=settings.task_queue)
        try:
            async with worker:
                await stop.wait()
                log.info("worker stopping")
        finally:
            tracing.stop(provider)
