"""The API's one doorway to Temporal: everything it asks of the journeys and steps running there.

Routes and services never hold a workflow handle; they call this and get models back, or a
domain error (``api.errors``) that one handler turns into the answer.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

from pydantic import BaseModel
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import (
    Client,
    WorkflowExecution,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from core import search_attributes
from core.ids import is_journey_id, step_workflow_id
from core.models import (
    AgencyDecision,
    AgencyServiceInput,
    CancelRequest,
    CitizenRequest,
    Confirmation,
    ConsentAnswer,
    DeadlineExtension,
    EscalationResolution,
    InformationAnswer,
    JourneyPlan,
    JourneyState,
    JourneyStatus,
    MessageResend,
    Resubmission,
    StepOutcome,
    StepStatus,
)
from core.settings import Settings
from use_cases.errors import (
    DryRunTimedOut,
    JourneyNotFound,
    PageTokenRefused,
    StatusUnavailable,
    StepNoLongerWaits,
    UpdateRefused,
)
from workflows.agency_service import AgencyServiceWorkflow
from workflows.journey import LifeEventJourney
from workflows.journey_status import JourneyStatusTracker
from workflows.names import STATUS_MEMO

LIVE_POLLER = timedelta(minutes=1)
# Started, task scheduled, task started, task completed: a journey's history is shorter until a
# worker has run it once.
FIRST_TASK_COMPLETED = 4
# A running journey's status is a query a worker answers. With no worker polling, Temporal would
# hold the query for 30 s (as long as many HTTP clients wait); answer 503 well before that.
STATUS_QUERY_TIMEOUT = timedelta(seconds=10)


class JourneySummary(BaseModel):
    journey_id: str
    life_event: str | None
    state: str | None
    agencies: list[str]
    execution_status: str | None
    started_at: datetime | None
    closed_at: datetime | None
    escalated: bool = False
    sla_breached: bool = False
    waiting_since: datetime | None = None


def _moment(unix_seconds: int | None) -> datetime | None:
    return None if unix_seconds is None else datetime.fromtimestamp(unix_seconds, UTC)


def _summary(execution: WorkflowExecution) -> JourneySummary:
    attributes = execution.typed_search_attributes
    return JourneySummary(
        journey_id=execution.id,
        life_event=attributes.get(search_attributes.LIFE_EVENT),
        state=attributes.get(search_attributes.JOURNEY_STATE),
        agencies=list(attributes.get(search_attributes.JOURNEY_AGENCIES) or []),
        execution_status=execution.status.name.lower() if execution.status else None,
        started_at=execution.start_time,
        closed_at=execution.close_time,
        escalated=bool(attributes.get(search_attributes.JOURNEY_ESCALATED)),
        sla_breached=bool(attributes.get(search_attributes.JOURNEY_SLA_BREACHED)),
        waiting_since=_moment(attributes.get(search_attributes.JOURNEY_WAITING_SINCE)),
    )


class TemporalGateway:
    """One per request: the client the process connected at start, and the settings."""

    def __init__(self, client: Client, settings: Settings) -> None:
        self._client = client
        self._settings = settings

    async def check_health(self) -> None:
        """Raises when the Temporal frontend does not answer."""
        await self._client.service_client.check_health()

    # --- Journeys ----------------------------------------------------------------------------

    async def start_journey(self, plan: JourneyPlan) -> bool:
        """Start the plan's journey under its id; False when that journey already exists.

        Idempotent: the id is derived from what identifies the request (an Idempotency-Key, or
        a registry event's source and id), and Temporal refuses a second journey under it,
        running or closed, so a retry (after a crash, or a redelivery) never starts another.
        """
        state = "waiting_for_citizen" if plan.proactive else "running"
        try:
            await self._client.start_workflow(
                LifeEventJourney.run,
                plan,
                id=plan.journey_id,
                task_queue=self._settings.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(search_attributes.LIFE_EVENT, plan.life_event),
                        SearchAttributePair(search_attributes.JOURNEY_STATE, state),
                        SearchAttributePair(
                            search_attributes.JOURNEY_AGENCIES,
                            sorted({service.agency_id for service in plan.services}),
                        ),
                    ]
                ),
                static_summary=f"{plan.life_event} journey"
                + (" (proactive)" if plan.proactive else ""),
            )
        except WorkflowAlreadyStartedError:
            return False
        return True

    async def journey_intake(self, journey_id: str) -> dict[str, Any] | None:
        """What the person told a journey at its start (from its first event), or None when
        Temporal holds no such journey (never started, or past its retention)."""
        plan = await self.journey_plan(journey_id)
        return plan.intake if plan is not None else None

    async def journey_plan(self, journey_id: str) -> JourneyPlan | None:
        """The journey's plan as it started (its services' names and rules in both languages),
        or None when Temporal holds no such journey."""
        return await self._plan_of(self._journey(journey_id))

    async def _plan_of(self, handle: WorkflowHandle[Any, JourneyStatus]) -> JourneyPlan | None:
        """The journey's plan, its input (its first event); None when there is no journey."""
        try:
            async for event in handle.fetch_history_events():
                attributes = event.workflow_execution_started_event_attributes
                [plan] = await self._client.data_converter.decode(
                    attributes.input.payloads, [JourneyPlan]
                )
                assert isinstance(plan, JourneyPlan)
                return plan
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return None
            raise
        return None

    async def journey_status(self, journey_id: str) -> JourneyStatus:
        """Where a journey stands: asked while it runs, read from history once completed."""
        handle = self._journey(journey_id)
        try:
            description = await handle.describe()
            if description.workflow_type != "LifeEventJourney":
                raise JourneyNotFound(journey_id)
            if description.status == WorkflowExecutionStatus.COMPLETED:
                # The result is in history: no worker is needed to answer.
                return await handle.result()
            # Kept in the memo by the journey itself: no worker is needed either.
            published = await description.memo_value(STATUS_MEMO, None, type_hint=JourneyStatus)
            if isinstance(published, JourneyStatus):
                return published
            if description.history_length < FIRST_TASK_COMPLETED:
                # No worker has reached it yet (a backlog, or none running): nothing has run,
                # and its plan says what will.
                plan = await self._plan_of(handle)
                if plan is not None:
                    return JourneyStatusTracker.initial_status(plan, description.start_time)
            # A journey started before journeys kept their status in their memo.
            return await handle.query(LifeEventJourney.status, rpc_timeout=STATUS_QUERY_TIMEOUT)
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise JourneyNotFound(journey_id) from error
            raise StatusUnavailable() from error

    async def give_consent(self, journey_id: str, answer: ConsentAnswer) -> StepStatus:
        result: StepStatus = await self._update(journey_id, LifeEventJourney.give_consent, answer)
        return result

    async def provide_information(
        self, journey_id: str, answer: InformationAnswer
    ) -> CitizenRequest:
        result: CitizenRequest = await self._update(
            journey_id, LifeEventJourney.provide_information, answer
        )
        return result

    async def cancel(self, journey_id: str, request: CancelRequest) -> JourneyStatus:
        result: JourneyStatus = await self._update(journey_id, LifeEventJourney.cancel, request)
        return result

    async def confirm(self, journey_id: str, answer: Confirmation) -> JourneyStatus:
        result: JourneyStatus = await self._update(journey_id, LifeEventJourney.confirm, answer)
        return result

    # --- Operators' actions (validated by the journey; audited by the route) ------------------

    async def resolve_escalation(
        self, journey_id: str, resolution: EscalationResolution
    ) -> JourneyStatus:
        result: JourneyStatus = await self._update(
            journey_id, LifeEventJourney.resolve_escalation, resolution
        )
        return result

    async def resubmit(self, journey_id: str, resubmission: Resubmission) -> JourneyStatus:
        result: JourneyStatus = await self._update(
            journey_id, LifeEventJourney.resubmit, resubmission
        )
        return result

    async def resend_message(self, journey_id: str, resend: MessageResend) -> CitizenRequest:
        result: CitizenRequest = await self._update(
            journey_id, LifeEventJourney.resend_message, resend
        )
        return result

    async def extend_deadline(
        self, journey_id: str, extension: DeadlineExtension
    ) -> CitizenRequest:
        result: CitizenRequest = await self._update(
            journey_id, LifeEventJourney.extend_deadline, extension
        )
        return result

    async def search_journeys(
        self, query: str, limit: int, page_token: bytes | None = None
    ) -> tuple[list[JourneySummary], bytes | None]:
        """One page of the journeys a visibility query (built from checked values) matches,
        newest first, and Temporal's token for the next page (None: this was the last)."""
        pages = self._client.list_workflows(query, page_size=limit, next_page_token=page_token)
        try:
            await pages.fetch_next_page()
        except RPCError as error:
            if error.status == RPCStatusCode.INVALID_ARGUMENT and page_token is not None:
                raise PageTokenRefused() from error
            raise
        journeys = [_summary(execution) for execution in pages.current_page or []]
        return journeys, pages.next_page_token

    async def count_journeys(self, query: str) -> int:
        """How many journeys a visibility query matches."""
        return (await self._client.count_workflows(query)).count

    async def matching_journeys(self, query: str, limit: int) -> list[JourneySummary]:
        """Up to ``limit`` journeys a visibility query matches, the oldest started first."""
        found = [
            _summary(execution)
            async for execution in self._client.list_workflows(query, limit=limit)
        ]
        oldest = datetime.min.replace(tzinfo=UTC)
        return sorted(found, key=lambda j: (j.started_at or oldest, j.journey_id))

    def _journey(self, journey_id: str) -> WorkflowHandle[Any, JourneyStatus]:
        if not is_journey_id(journey_id):
            raise JourneyNotFound(journey_id)
        return self._client.get_workflow_handle_for(LifeEventJourney.run, journey_id)

    async def _update(self, journey_id: str, update: Any, arg: Any) -> Any:
        """Run an update; a refusal by the journey's validator is refused with its reason."""
        handle = self._journey(journey_id)
        try:
            return await handle.execute_update(update, arg)
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            message = getattr(cause, "message", None) or str(cause or error)
            raise UpdateRefused(message) from error
        except RPCError as error:
            if error.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
                raise
            # The server answers an update to a closed journey as if it did not exist: tell
            # them apart.
            try:
                await handle.describe()
            except RPCError as missing:
                raise JourneyNotFound(handle.id) from missing
            raise UpdateRefused("The journey is over") from error

    # --- Agencies' steps ---------------------------------------------------------------------

    async def signal_decision(self, step_workflow: str, decision: AgencyDecision) -> None:
        """Resume the step waiting for this agency's decision."""
        handle: WorkflowHandle[Any, StepOutcome] = self._client.get_workflow_handle_for(
            AgencyServiceWorkflow.run, step_workflow
        )
        try:
            await handle.signal(AgencyServiceWorkflow.agency_decision, decision)
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                # The step already ended (decided, timed out or cancelled): nothing to resume.
                raise StepNoLongerWaits() from error
            raise

    async def dry_run(self, request: AgencyServiceInput, timeout_seconds: float) -> StepOutcome:
        """Run one step on its own (a dry run) and wait for its outcome."""
        handle = await self._client.start_workflow(
            AgencyServiceWorkflow.run,
            request,
            id=step_workflow_id(request.journey_id, request.step_id),
            task_queue=self._settings.task_queue,
        )
        try:
            return await asyncio.wait_for(handle.result(), timeout=timeout_seconds)
        except TimeoutError as error:
            raise DryRunTimedOut(timeout_seconds, handle.id) from error

    async def live_pollers(self, task_queue: str) -> int:
        """How many workers polled a native agency's task queue within the last minute."""
        answer = await self._client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=self._settings.temporal_namespace,
                task_queue=TaskQueue(name=task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
            )
        )
        now = datetime.now(UTC)
        return sum(
            1 for p in answer.pollers if now - p.last_access_time.ToDatetime(UTC) < LIVE_POLLER
        )

    async def count_journeys_by_state(self) -> dict[str, int]:
        """How many journeys are in each state, from Temporal's visibility (open ones, and
        closed ones within the namespace's retention). One count per state: visibility groups
        by ExecutionStatus only, not by a search attribute."""
        states: tuple[str, ...] = get_args(JourneyState)
        counts = await asyncio.gather(
            *(
                self._client.count_workflows(
                    'WorkflowType = "LifeEventJourney" AND '
                    f'{search_attributes.JOURNEY_STATE.name} = "{state}"'
                )
                for state in states
            )
        )
        return {state: count.count for state, count in zip(states, counts, strict=True)}
