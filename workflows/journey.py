"""A life-event journey: verify who is telling us, then reach every agency service in the plan.

One engine for every life event. The pinned plan says which services run and what each needs;
each service runs as an ``AgencyServiceWorkflow`` child as soon as the services it needs have
completed and the person has consented to share their data for its purpose. Independent
services run in parallel. The ``status`` query always answers where every step stands.

The person talks to a running journey through updates (``workflows/journey_updates.py``):
consents, answers to requests for information, and cancellation, which stops what has not run
and compensates, in reverse order, what has.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from core import search_attributes, time_tax
    from core.identity_checks import GENERIC_REASON
    from core.ids import (
        CONFIRMATION_REQUEST,
        IDENTITY_STEP,
        consent_request_id,
        step_workflow_id,
    )
    from core.models import (
        AgencyServiceInput,
        CitizenRequest,
        JourneyOutcomeInput,
        JourneyPlan,
        JourneyState,
        JourneyStatus,
        ServicePlan,
        StepOutcome,
        StepUpdate,
    )
    from workflows import calls, messages, metrics
    from workflows.agency_service import AgencyServiceWorkflow
    from workflows.journey_status import JourneyStatusTracker, service_deadline
    from workflows.names import LIFE_EVENT_JOURNEY, STATUS, STATUS_MEMO, STEP_CHANGED
    from workflows.operator_updates import OperatorUpdates
    from workflows.waits import wait_until

CANCELLED_BEFORE_RUN = "The journey was cancelled before this step ran."
# Journeys started before this patch kept their status only for the `status` query to answer.
STATUS_IN_MEMO_PATCH = "status-in-memo"
# Journeys that ended before this patch sent no closing summary.
SUMMARY_EMAIL_PATCH = "journey-summary-email"
# Journeys that ended before this patch left no outcome row for the reports.
OUTCOME_RECORDED_PATCH = "journey-outcome-recorded"
# Journeys from before this patch do not tell visibility when an SLA was missed, nor since when
# they wait on the person (the operator console's filters).
OPERATOR_ATTRIBUTES_PATCH = "operator-search-attributes"
# Before this patch, a request to the person (consent, a proactive offer's confirmation) kept the
# due date it was opened with: operators could not give more time.
EXTENDABLE_REQUESTS_PATCH = "operator-extends-requests"


def _publish_state(state: JourneyState) -> None:
    """Operators filter journeys on their state (and on how long they wait on the person):
    keep the search attributes in step."""
    updates: list[SearchAttributeUpdate[Any]] = [search_attributes.JOURNEY_STATE.value_set(state)]
    if workflow.patched(OPERATOR_ATTRIBUTES_PATCH):
        waiting = search_attributes.JOURNEY_WAITING_SINCE
        updates.append(
            waiting.value_set(int(workflow.now().timestamp()))
            if state == "waiting_for_citizen"
            else waiting.value_unset()
        )
    workflow.upsert_search_attributes(updates)


def _publish_sla_breached() -> None:
    if workflow.patched(OPERATOR_ATTRIBUTES_PATCH):
        workflow.upsert_search_attributes([search_attributes.JOURNEY_SLA_BREACHED.value_set(True)])


@workflow.defn(name=LIFE_EVENT_JOURNEY)
class LifeEventJourney(OperatorUpdates):
    @workflow.init
    def __init__(self, plan: JourneyPlan) -> None:
        self._plan = plan
        self._services = {service.service_id: service for service in plan.services}
        self._tracker = JourneyStatusTracker.for_plan(
            plan, workflow.info().start_time, clock=workflow.now, on_state=_publish_state
        )
        # A service that receives no personal data needs no consent.
        self._consent = {s.service_id: s.consent if s.fields else True for s in plan.services}
        self._consent_changing = set()
        self._children = {}
        self._cancel = None
        self._publisher: asyncio.Task[None] | None = None
        self._published: JourneyStatus | None = None  # the status as the memo holds it
        # Which services run: all planned ones, unless a proactive offer lets the person choose.
        self._chosen = None if plan.proactive else set(self._services)
        # Operators' actions: steps that take them, requests whose wait honours an extension,
        # the extended due dates, and how many times each request's e-mail was sent again.
        self._operable = set()
        self._extendable = set()
        self._extended = {}
        self._resends = {}

    @workflow.run
    async def run(self, plan: JourneyPlan) -> JourneyStatus:
        metrics.journey_started(plan.life_event, proactive=plan.proactive is not None)
        if workflow.patched(STATUS_IN_MEMO_PATCH):
            self._publisher = asyncio.create_task(self._publish_status())
        if plan.proactive and not await self._offer(plan):
            return await self._finish("cancelled")
        self._tracker.update(StepUpdate(step_id=IDENTITY_STEP, state="running"))
        identity, _ = await asyncio.gather(
            calls.verify_identity(
                self._plan.journey_id, self._plan.intake["informant"], self._plan.client_ref
            ),
            self._record_intake_consents(),
        )
        if not identity.verified:
            # One sentence whatever did not match (operators see why: IdentityCheckFailure);
            # set here, not taken from the result, so journeys recorded before say it too.
            reason = GENERIC_REASON[self._plan.language]
            self._tracker.update(
                StepUpdate(step_id=IDENTITY_STEP, state="failed", reasons=[reason])
            )
            for service in plan.services:
                self._tracker.update(
                    StepUpdate(
                        step_id=service.service_id,
                        state="skipped",
                        reasons=["No agency was contacted: the identity was not verified."],
                    )
                )
            return await self._finish("failed")

        self._tracker.update(
            StepUpdate(step_id=IDENTITY_STEP, state="completed", outcome="verified")
        )
        await asyncio.gather(*(self._run_service(service) for service in plan.services))
        if self._cancel is not None:
            await self._compensate_completed()
            return await self._finish("cancelled")
        return await self._finish(self._tracker.final_state())

    @workflow.query(name=STATUS)
    def status(self) -> JourneyStatus:
        return self._tracker.status

    async def _publish_status(self) -> None:
        """Keep the status in the journey's memo, where the API reads it without waking the
        workflow (a query has a worker replay an evicted journey: slow for the person, and
        costly with many journeys waiting). Conditions are checked once the workflow task's
        other work is done, so this writes at most once per task, only when something changed,
        and in the same task as the change (an update's answer and its status agree)."""
        while True:
            await workflow.wait_condition(lambda: self._tracker.status != self._published)
            self._published = self._tracker.status.model_copy(deep=True)
            workflow.upsert_memo({STATUS_MEMO: self._published})

    @workflow.signal(name=STEP_CHANGED)
    def step_changed(self, update: StepUpdate) -> None:
        """A child reports where its step stands (and any request it opens or closes)."""
        if update.request is not None:
            self._tracker.open_request(update.request)
        if update.closed_request is not None:
            self._tracker.close_request(update.closed_request, "answered")
        if update.takes_operator_actions:
            self._operable.add(update.step_id)
        if update.escalated:
            workflow.upsert_search_attributes([search_attributes.JOURNEY_ESCALATED.value_set(True)])
            _publish_sla_breached()
        self._tracker.update(update)

    # --- Before the services ------------------------------------------------------------------

    async def _offer(self, plan: JourneyPlan) -> bool:
        """Offer the journey to the person the registry named; whether they confirmed in time."""
        offer = plan.proactive
        assert offer is not None
        extendable = self._take_extensions(CONFIRMATION_REQUEST)
        await calls.send(messages.offer(plan))
        confirmed = await self._wait_for_answer(
            CONFIRMATION_REQUEST,
            lambda: self._chosen is not None or self._cancel is not None,
            offer.due_at,
            extendable=extendable,
        )
        if confirmed and self._cancel is None:
            return True
        reason = (
            "The journey was cancelled before it was confirmed."
            if self._cancel
            else "The offer was not confirmed in time."
        )
        self._tracker.close_request(
            CONFIRMATION_REQUEST, "cancelled" if self._cancel else "expired"
        )
        self._tracker.update(StepUpdate(step_id=IDENTITY_STEP, state="skipped", reasons=[reason]))
        for service in plan.services:
            self._tracker.end(service.service_id, "skipped", reason)
        return False

    async def _record_intake_consents(self) -> None:
        source: Literal["intake", "citizen"] = "citizen" if self._plan.proactive else "intake"
        records = [
            calls.consent_record(self._plan.journey_id, service, given=True, source=source)
            for service in self._plan.services
            if self._consent[service.service_id]
            and service.fields
            and self._chosen
            and service.service_id in self._chosen
        ]
        if records:
            await calls.record_consents(records)

    def _take_extensions(self, request_id: str) -> bool:
        """Whether operators may extend (and resend) this request: decided as it opens, so
        they may from the first moment it shows."""
        if not workflow.patched(EXTENDABLE_REQUESTS_PATCH):
            return False
        self._extendable.add(request_id)
        return True

    async def _wait_for_answer(
        self,
        request_id: str,
        answered: Callable[[], bool],
        due: datetime | None,
        *,
        extendable: bool,
    ) -> bool:
        """Wait for the person to answer a request, until its due date, which an operator may
        push back meanwhile (``extend_deadline``); whether they answered in time."""
        if not extendable:
            return await wait_until(answered, due)
        current = due
        while True:
            await wait_until(self._answered_or_moved(request_id, answered, current), current)
            if answered():
                return True
            moved_to = self._extended.get(request_id, current)
            if moved_to == current:
                return False  # the due date came
            current = moved_to

    def _answered_or_moved(
        self, request_id: str, answered: Callable[[], bool], due: datetime | None
    ) -> Callable[[], bool]:
        return lambda: answered() or self._extended.get(request_id, due) != due

    # --- One service --------------------------------------------------------------------------

    async def _run_service(self, service: ServicePlan) -> None:
        sid = service.service_id
        assert self._chosen is not None
        if sid not in self._chosen:
            return self._tracker.end(sid, "skipped", "Not chosen.", outcome="not_chosen")
        await workflow.wait_condition(
            lambda: (
                self._cancel is not None
                or all(self._tracker.is_final(need) for need in service.needs)
            )
        )
        if self._cancel is not None:
            return self._tracker.end(sid, "cancelled", CANCELLED_BEFORE_RUN)
        unmet = [need for need in service.needs if not self._tracker.approved(need)]
        if unmet:
            titles = ", ".join(
                self._services[need].title.in_(self._plan.language) for need in unmet
            )
            return self._tracker.end(sid, "skipped", f"It needs {titles}, which did not complete.")

        if not await self._consent_gate(service):
            return

        prerequisites = {need: self._tracker.step(need).reference or "" for need in service.needs}
        self._tracker.update(StepUpdate(step_id=sid, state="running"))
        try:
            handle = await workflow.start_child_workflow(
                AgencyServiceWorkflow.run,
                AgencyServiceInput(
                    journey_id=self._plan.journey_id,
                    step_id=sid,
                    life_event=self._plan.life_event,
                    language=self._plan.language,
                    intake=self._plan.intake,
                    service=service,
                    callback_base_url=self._plan.callback_base_url,
                    journey_started_at=self._tracker.status.started_at,
                    prerequisites=prerequisites,
                    deadline_at=service_deadline(self._plan, sid),
                ),
                id=step_workflow_id(self._plan.journey_id, sid),
            )
            self._children[sid] = handle
            outcome = await handle
        except ChildWorkflowError as error:
            cause = error.cause
            reason = getattr(cause, "message", None) or str(cause or error)
            outcome = StepOutcome(state="failed", outcome="error", reasons=[reason])
        if outcome.outcome == "agency_timeout":
            _publish_sla_breached()
        self._tracker.step_finished(sid, outcome)

    async def _consent_gate(self, service: ServicePlan) -> bool:
        """Halt the step until the person gives or refuses consent (GovStack consent 1.4)."""
        sid = service.service_id
        if self._consent[sid] is None:
            due = service_deadline(self._plan, sid)
            purpose = service.purpose or service.title
            extendable = self._take_extensions(consent_request_id(sid))
            self._tracker.open_request(
                CitizenRequest(
                    id=consent_request_id(sid),
                    kind="consent",
                    step_id=sid,
                    title=service.title,
                    purpose=purpose,
                    created_at=workflow.now(),
                    due_at=due,
                )
            )
            self._tracker.update(StepUpdate(step_id=sid, state="waiting_for_citizen"))
            await calls.send(messages.consent_needed(self._plan, service, purpose, due))
            decided = await self._wait_for_answer(
                consent_request_id(sid),
                lambda: self._consent[sid] is not None or self._cancel is not None,
                due,
                extendable=extendable,
            )
            if not decided:
                self._tracker.close_request(consent_request_id(sid), "expired")
                self._tracker.end(sid, "failed", self._deadline_reason(sid))
                return False
        # A consent being recorded right now decides; wait for it to be on record.
        await workflow.wait_condition(lambda: sid not in self._consent_changing)
        if self._cancel is not None:
            self._tracker.end(sid, "cancelled", CANCELLED_BEFORE_RUN)
            return False
        if not self._consent[sid]:
            self._tracker.end(
                sid,
                "skipped",
                "You did not consent to share your data for this service.",
                outcome="consent_refused",
            )
            return False
        return True

    # --- After the services -------------------------------------------------------------------

    async def _compensate_completed(self) -> None:
        """Undo finished services, the last finished first; each undo is idempotent."""
        journey_id = self._plan.journey_id
        for sid in reversed(self._tracker.completed_order):
            step = self._tracker.step(sid)
            done = await calls.undo(
                journey_id, step_workflow_id(journey_id, sid), self._services[sid], step.reference
            )
            if done:
                self._tracker.compensated(sid, done)

    async def _finish(self, state: JourneyState) -> JourneyStatus:
        # Let in-flight updates (a consent being recorded, say) finish before the journey ends.
        await workflow.wait_condition(workflow.all_handlers_finished)
        # A person who never took up a proactive offer (nothing chosen) has nothing to read.
        if self._chosen is not None and workflow.patched(SUMMARY_EMAIL_PATCH):
            # Sent before the journey shows as ended: whoever sees it ended finds it sent.
            ending = self._tracker.status.model_copy(update={"state": state})
            await calls.send(messages.summary(self._plan, ending))
            await workflow.wait_condition(workflow.all_handlers_finished)
        if workflow.patched(OUTCOME_RECORDED_PATCH):
            await calls.record_outcome(self._outcome(state))
            await workflow.wait_condition(workflow.all_handlers_finished)
        if self._publisher is not None:
            self._publisher.cancel()  # a finished journey's status is its result
        metrics.journey_ended(
            self._plan.life_event, state, workflow.now() - workflow.info().start_time
        )
        return self._tracker.finish(state)

    def _outcome(self, state: JourneyState) -> JourneyOutcomeInput:
        """How the journey ends, in figures only, for the reports."""
        ended_at = workflow.now()
        ending = self._tracker.status.model_copy(update={"state": state, "completed_at": ended_at})
        return JourneyOutcomeInput(
            journey_id=self._plan.journey_id,
            life_event=self._plan.life_event,
            state=state,
            started_at=ending.started_at,
            ended_at=ended_at,
            language=self._plan.language,
            channel="registry" if self._plan.proactive else self._plan.channel,
            region=time_tax.region(self._plan.intake),
            time_tax=time_tax.meter(self._plan, ending),
        )

    def _deadline_reason(self, service_id: str) -> str:
        deadline = min(
            (d for d in self._plan.deadlines if service_id in d.services), key=lambda d: d.due_at
        )
        title = deadline.title.in_(self._plan.language)
        return f"The deadline passed ({title}, {deadline.due_at.date().isoformat()})."
