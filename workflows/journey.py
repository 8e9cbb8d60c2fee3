"""A life-event journey: verify who is telling us, then reach every agency service in the plan.

One engine for every life event. The pinned plan says which services run and what each needs;
each service runs as an ``AgencyServiceWorkflow`` child as soon as the services it needs have
completed and the person has consented to share their data for its purpose. Independent
services run in parallel. The ``status`` query always answers where every step stands.

The person talks to a running journey through updates (validated before anything is written to
history): consents, answers to requests for information, and cancellation, which stops what has
not run and compensates, in reverse order, what has.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from activities.consent import record_consent, record_consents
    from activities.identity import verify_identity
    from lifeevents import search_attributes
    from lifeevents.models import (
        FINAL_STEP_STATES,
        AgencyServiceInput,
        CancelRequest,
        CitizenRequest,
        Confirmation,
        ConsentAnswer,
        ConsentRecordInput,
        ConsentRecordsInput,
        IdentityResult,
        InformationAnswer,
        JourneyPlan,
        JourneyState,
        JourneyStatus,
        NotificationInput,
        ServicePlan,
        StepOutcome,
        StepState,
        StepStatus,
        StepUpdate,
        VerifyIdentityInput,
    )
    from workflows.agency_service import AgencyServiceWorkflow, notify, send, undo

IDENTITY_STEP = "verify-identity"
CONFIRMATION = "confirmation"
DB_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


@workflow.defn
class LifeEventJourney:
    @workflow.init
    def __init__(self, plan: JourneyPlan) -> None:
        started = workflow.info().start_time
        self._plan = plan
        self._services = {service.service_id: service for service in plan.services}
        self._status = JourneyStatus(
            journey_id=plan.journey_id,
            life_event=plan.life_event,
            started_at=started,
            deadlines=plan.deadlines,
            steps=[
                StepStatus(id=IDENTITY_STEP, kind="identity", updated_at=started),
                *(
                    StepStatus(
                        id=service.service_id,
                        kind="agency_service",
                        agency=service.agency_id,
                        title=service.title,
                        updated_at=started,
                        needs=service.needs,
                        deadline_at=self._deadline(service.service_id),
                    )
                    for service in plan.services
                ),
            ],
        )
        # A service that receives no personal data needs no consent.
        self._consent: dict[str, bool | None] = {
            s.service_id: s.consent if s.fields else True for s in plan.services
        }
        self._consent_changing: set[str] = set()
        self._children: dict[
            str, workflow.ChildWorkflowHandle[AgencyServiceWorkflow, StepOutcome]
        ] = {}
        self._completed_order: list[str] = []
        self._cancel: CancelRequest | None = None
        # Which services run: all planned ones, unless a proactive offer lets the person choose.
        self._chosen: set[str] | None = None if plan.proactive else set(self._services)
        if plan.proactive:
            self._status.requests.append(
                CitizenRequest(
                    id=CONFIRMATION,
                    kind="confirmation",
                    step_id=IDENTITY_STEP,
                    title=plan.proactive.life_event_title,
                    created_at=started,
                    due_at=plan.proactive.due_at,
                )
            )
            self._status.state = "waiting_for_citizen"

    @workflow.run
    async def run(self, plan: JourneyPlan) -> JourneyStatus:
        if plan.proactive and not await self._offer(plan):
            return await self._finish("cancelled")
        self._update(StepUpdate(step_id=IDENTITY_STEP, state="running"))
        identity, _ = await asyncio.gather(self._verify_identity(), self._record_intake_consents())
        if not identity.verified:
            reason = identity.reason or "Identity could not be verified."
            self._update(StepUpdate(step_id=IDENTITY_STEP, state="failed", reasons=[reason]))
            for service in plan.services:
                self._update(
                    StepUpdate(
                        step_id=service.service_id,
                        state="skipped",
                        reasons=["No agency was contacted: the identity was not verified."],
                    )
                )
            return await self._finish("failed")

        self._update(StepUpdate(step_id=IDENTITY_STEP, state="completed", outcome="verified"))
        await asyncio.gather(*(self._run_service(service) for service in plan.services))
        if self._cancel is not None:
            await self._compensate_completed()
            return await self._finish("cancelled")
        return await self._finish(self._final_state())

    # --- What the person and operators can ask or tell a running journey ---------------------

    @workflow.query
    def status(self) -> JourneyStatus:
        return self._status

    @workflow.signal
    def step_changed(self, update: StepUpdate) -> None:
        """A child reports where its step stands (and any request it opens or closes)."""
        if update.request is not None:
            self._status.requests.append(update.request)
        if update.closed_request is not None:
            self._close_request(update.closed_request, "answered")
        if update.escalated:
            workflow.upsert_search_attributes([search_attributes.JOURNEY_ESCALATED.value_set(True)])
        self._update(update)

    @workflow.update
    def confirm(self, answer: Confirmation) -> JourneyStatus:
        """The person offered a proactive journey confirms who they are and what should run."""
        self._plan.intake["informant"] = answer.informant
        self._chosen = set(answer.services)
        for service_id in answer.services:
            if service_id in answer.consents:
                self._consent[service_id] = True
        self._close_request(CONFIRMATION, "answered")
        return self._status

    @confirm.validator
    def _validate_confirmation(self, answer: Confirmation) -> None:
        self._refuse_if_over()
        if self._plan.proactive is None or self._chosen is not None:
            raise ValueError("This journey has nothing to confirm")
        unknown = sorted(set(answer.services) - set(self._services))
        if unknown:
            raise ValueError(f"Not services of this journey: {unknown}")
        stray = sorted(set(answer.consents) - set(answer.services))
        if stray:
            raise ValueError(f"Consents for services not chosen: {stray}")
        for service_id in answer.services:
            missing = [n for n in self._services[service_id].needs if n not in answer.services]
            if missing:
                raise ValueError(f"'{service_id}' needs {missing}: choose them too")

    @workflow.update
    async def give_consent(self, answer: ConsentAnswer) -> StepStatus:
        """Give, refuse or withdraw consent for a service that has not received any data yet."""
        service = self._services[answer.service_id]
        self._consent_changing.add(service.service_id)
        try:
            await workflow.execute_activity(
                record_consent,
                ConsentRecordInput(
                    journey_id=self._plan.journey_id,
                    service_id=service.service_id,
                    agency_id=service.agency_id,
                    purpose=(service.purpose or service.title).en,
                    given=answer.given,
                    source="citizen",
                ),
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=DB_RETRY,
            )
            self._consent[service.service_id] = answer.given
            self._close_request(f"consent/{service.service_id}", "answered")
        finally:
            self._consent_changing.discard(service.service_id)
        return self._step(service.service_id)

    @give_consent.validator
    def _validate_consent(self, answer: ConsentAnswer) -> None:
        self._refuse_if_over()
        if answer.service_id not in self._services:
            raise ValueError(f"'{answer.service_id}' is not a service of this journey")
        if answer.service_id in self._children or self._step(answer.service_id).state not in (
            "pending",
            "waiting_for_citizen",
        ):
            raise ValueError(f"'{answer.service_id}' has already received your data")
        if not self._services[answer.service_id].fields:
            raise ValueError(f"'{answer.service_id}' receives no personal data")

    @workflow.update
    async def provide_information(self, answer: InformationAnswer) -> CitizenRequest:
        """Answer what an agency asked; the waiting step resubmits with the answers."""
        request = self._request(answer.request_id)
        await self._children[request.step_id].signal(
            AgencyServiceWorkflow.information_provided, answer
        )
        self._close_request(request.id, "answered")
        return request

    @provide_information.validator
    def _validate_information(self, answer: InformationAnswer) -> None:
        self._refuse_if_over()
        request = next((r for r in self._status.requests if r.id == answer.request_id), None)
        if request is None or request.kind != "information":
            raise ValueError(f"No request for information '{answer.request_id}'")
        if request.state != "open":
            raise ValueError(f"Request '{answer.request_id}' is {request.state}")
        missing = sorted(set(request.requested) - set(answer.answers))
        unexpected = sorted(set(answer.answers) - set(request.requested))
        if missing or unexpected:
            raise ValueError(
                f"Answer exactly what was asked: missing {missing}, not asked {unexpected}"
            )

    @workflow.update
    async def cancel(self, request: CancelRequest) -> JourneyStatus:
        """Stop what has not run; undo, in reverse order, what has (where the service can)."""
        self._cancel = request
        for service_id, child in self._children.items():
            if self._step(service_id).state not in FINAL_STEP_STATES:
                child.cancel()
        for item in self._status.requests:
            if item.state == "open":
                item.state = "cancelled"
        return self._status

    @cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        self._refuse_if_over()

    def _refuse_if_over(self) -> None:
        if self._status.completed_at is not None:
            raise ValueError(f"The journey is over ({self._status.state})")
        if self._cancel is not None:
            raise ValueError("The journey is being cancelled")

    # --- One service -------------------------------------------------------------------------

    async def _offer(self, plan: JourneyPlan) -> bool:
        """Offer the journey to the person the registry named; whether they confirmed in time."""
        offer = plan.proactive
        assert offer is not None
        await send(
            NotificationInput(
                journey_id=plan.journey_id,
                idempotency_key=f"{plan.journey_id}/offer",
                to_email=plan.intake["contact"]["email"],
                language=plan.language,
                service_title=offer.life_event_title,
                agency_name=offer.event_source,
                outcome="offer",
                due_at=offer.due_at,
            )
        )
        confirmed = await self._wait(
            lambda: self._chosen is not None or self._cancel is not None, until=offer.due_at
        )
        if confirmed and self._cancel is None:
            return True
        reason = (
            "The journey was cancelled before it was confirmed."
            if self._cancel
            else "The offer was not confirmed in time."
        )
        self._close_request(CONFIRMATION, "cancelled" if self._cancel else "expired")
        self._update(StepUpdate(step_id=IDENTITY_STEP, state="skipped", reasons=[reason]))
        for service in plan.services:
            self._end(service.service_id, "skipped", reason)
        return False

    async def _run_service(self, service: ServicePlan) -> None:
        sid = service.service_id
        assert self._chosen is not None
        if sid not in self._chosen:
            return self._end(sid, "skipped", "Not chosen.", outcome="not_chosen")
        await workflow.wait_condition(
            lambda: (
                self._cancel is not None
                or all(self._step(need).state in FINAL_STEP_STATES for need in service.needs)
            )
        )
        if self._cancel is not None:
            return self._end(sid, "cancelled", "The journey was cancelled before this step ran.")
        unmet = [need for need in service.needs if not self._approved(need)]
        if unmet:
            titles = ", ".join(
                self._services[need].title.in_(self._plan.language) for need in unmet
            )
            return self._end(sid, "skipped", f"It needs {titles}, which did not complete.")

        if not await self._consent_gate(service):
            return

        prerequisites = {need: self._step(need).reference or "" for need in service.needs}
        self._update(StepUpdate(step_id=sid, state="running"))
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
                    journey_started_at=self._status.started_at,
                    prerequisites=prerequisites,
                    deadline_at=self._deadline(sid),
                ),
                id=f"{self._plan.journey_id}/{sid}",
            )
            self._children[sid] = handle
            outcome = await handle
        except ChildWorkflowError as error:
            cause = error.cause
            reason = getattr(cause, "message", None) or str(cause or error)
            outcome = StepOutcome(state="failed", outcome="error", reasons=[reason])
        self._update(
            StepUpdate(
                step_id=sid,
                state=outcome.state,
                outcome=outcome.outcome,
                reasons=outcome.reasons,
                reference=outcome.reference,
            ),
            final=True,
        )
        self._step(sid).compensations = outcome.compensations
        for item in self._status.requests:
            if item.step_id == sid and item.state == "open":
                item.state = "answered" if outcome.state == "completed" else "expired"
        self._refresh_state()
        if outcome.state == "completed":
            self._completed_order.append(sid)

    async def _consent_gate(self, service: ServicePlan) -> bool:
        """Halt the step until the person gives or refuses consent (GovStack consent 1.4)."""
        sid = service.service_id
        if self._consent[sid] is None:
            due = self._deadline(sid)
            purpose = service.purpose or service.title
            self._status.requests.append(
                CitizenRequest(
                    id=f"consent/{sid}",
                    kind="consent",
                    step_id=sid,
                    title=service.title,
                    purpose=purpose,
                    created_at=workflow.now(),
                    due_at=due,
                )
            )
            self._update(StepUpdate(step_id=sid, state="waiting_for_citizen"))
            await notify(
                self._plan,
                service,
                "consent_needed",
                f"{self._plan.journey_id}/consent/{sid}",
                purpose=purpose,
                due_at=due,
            )
            decided = await self._wait(
                lambda: self._consent[sid] is not None or self._cancel is not None, until=due
            )
            if not decided:
                self._close_request(f"consent/{sid}", "expired")
                self._end(sid, "failed", self._deadline_reason(sid))
                return False
        await workflow.wait_condition(lambda: sid not in self._consent_changing)
        if self._cancel is not None:
            self._end(sid, "cancelled", "The journey was cancelled before this step ran.")
            return False
        if not self._consent[sid]:
            self._end(
                sid,
                "skipped",
                "You did not consent to share your data for this service.",
                outcome="consent_refused",
            )
            return False
        return True

    async def _compensate_completed(self) -> None:
        """Undo finished services, the last finished first; each undo is idempotent."""
        for sid in reversed(self._completed_order):
            service = self._services[sid]
            step = self._step(sid)
            done = await undo(
                self._plan.journey_id, f"{self._plan.journey_id}/{sid}", service, step.reference
            )
            if done:
                step.compensations = done
                step.state = "cancelled"
                step.updated_at = workflow.now()

    # --- Bookkeeping -------------------------------------------------------------------------

    async def _verify_identity(self) -> IdentityResult:
        informant = self._plan.intake["informant"]
        return await workflow.execute_activity(
            verify_identity,
            VerifyIdentityInput(
                journey_id=self._plan.journey_id,
                national_id=informant["national_id"],
                given_name=informant["given_name"],
                family_name=informant["family_name"],
                birth_date=informant["birth_date"],
            ),
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=DB_RETRY,
        )

    async def _record_intake_consents(self) -> None:
        records = [
            ConsentRecordInput(
                journey_id=self._plan.journey_id,
                service_id=service.service_id,
                agency_id=service.agency_id,
                purpose=(service.purpose or service.title).en,
                given=True,
                source="citizen" if self._plan.proactive else "intake",
            )
            for service in self._plan.services
            if self._consent[service.service_id]
            and service.fields
            and self._chosen
            and service.service_id in self._chosen
        ]
        if not records:
            return
        if workflow.patched("intake-consents-in-one-activity"):
            # One activity for all of them: one task instead of one per service.
            await workflow.execute_activity(
                record_consents,
                ConsentRecordsInput(records=records),
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=DB_RETRY,
            )
            return
        await asyncio.gather(
            *(
                workflow.execute_activity(
                    record_consent,
                    record,
                    start_to_close_timeout=timedelta(seconds=10),
                    retry_policy=DB_RETRY,
                )
                for record in records
            )
        )

    async def _wait(self, condition: Callable[[], bool], until: datetime | None) -> bool:
        """Wait for a condition, at most until a deadline; whether it came true."""
        timeout = None if until is None else max(until - workflow.now(), timedelta(0))
        try:
            await workflow.wait_condition(condition, timeout=timeout)
        except TimeoutError:
            return False
        return True

    def _deadline(self, service_id: str) -> datetime | None:
        dates = [d.due_at for d in self._plan.deadlines if service_id in d.services]
        return min(dates) if dates else None

    def _deadline_reason(self, service_id: str) -> str:
        deadline = min(
            (d for d in self._plan.deadlines if service_id in d.services), key=lambda d: d.due_at
        )
        title = deadline.title.in_(self._plan.language)
        return f"The deadline passed ({title}, {deadline.due_at.date().isoformat()})."

    def _step(self, step_id: str) -> StepStatus:
        return next(step for step in self._status.steps if step.id == step_id)

    def _request(self, request_id: str) -> CitizenRequest:
        return next(r for r in self._status.requests if r.id == request_id)

    def _approved(self, step_id: str) -> bool:
        step = self._step(step_id)
        return step.state == "completed" and step.outcome == "approved"

    def _close_request(
        self, request_id: str, state: Literal["answered", "expired", "cancelled"]
    ) -> None:
        for request in self._status.requests:
            if request.id == request_id and request.state == "open":
                request.state = state
        self._refresh_state()

    def _end(self, step_id: str, state: StepState, reason: str, outcome: str | None = None) -> None:
        update = StepUpdate(step_id=step_id, state=state, reasons=[reason], outcome=outcome)
        self._update(update, final=True)

    def _update(self, update: StepUpdate, *, final: bool = False) -> None:
        step = self._step(update.step_id)
        if step.state in FINAL_STEP_STATES and not final:
            return  # a late report never reopens a finished step
        step.state = update.state
        step.updated_at = workflow.now()
        step.outcome = update.outcome or step.outcome
        step.reasons = update.reasons or step.reasons
        step.reference = update.reference or step.reference
        self._refresh_state()

    def _refresh_state(self) -> None:
        if self._status.completed_at is not None:
            return
        waiting = any(r.state == "open" for r in self._status.requests)
        self._set_state("waiting_for_citizen" if waiting else "running")

    def _final_state(self) -> JourneyState:
        # Not eligible and "you chose not to share" are answers, not problems.
        clean = all(
            (step.state in ("completed", "not_eligible") and step.outcome != "rejected")
            or step.outcome in ("consent_refused", "not_chosen")
            for step in self._status.steps
        )
        return "completed" if clean else "completed_with_issues"

    async def _finish(self, state: JourneyState) -> JourneyStatus:
        # Let in-flight updates (a consent being recorded, say) finish before the journey ends.
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._status.completed_at = workflow.now()
        self._set_state(state)
        return self._status

    def _set_state(self, state: JourneyState) -> None:
        if self._status.state != state:
            self._status.state = state
            workflow.upsert_search_attributes([search_attributes.JOURNEY_STATE.value_set(state)])
