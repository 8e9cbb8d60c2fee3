"""A life-event journey: verify who is telling us, then reach every agency service in the plan.

One engine for every life event: the pinned plan says which services run; each runs as an
``AgencyServiceWorkflow`` child, all in parallel, and reports where it stands so that the
``status`` query can always answer.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from activities.identity import verify_identity
    from lifeevents import search_attributes
    from lifeevents.models import (
        FINAL_STEP_STATES,
        AgencyServiceInput,
        JourneyPlan,
        JourneyState,
        JourneyStatus,
        ServicePlan,
        StepOutcome,
        StepStatus,
        StepUpdate,
        VerifyIdentityInput,
    )
    from workflows.agency_service import AgencyServiceWorkflow

IDENTITY_STEP = "verify-identity"


@workflow.defn
class LifeEventJourney:
    @workflow.init
    def __init__(self, plan: JourneyPlan) -> None:
        started = workflow.info().start_time
        self._status = JourneyStatus(
            journey_id=plan.journey_id,
            life_event=plan.life_event,
            started_at=started,
            steps=[
                StepStatus(id=IDENTITY_STEP, kind="identity", updated_at=started),
                *(
                    StepStatus(
                        id=service.service_id,
                        kind="agency_service",
                        agency=service.agency_id,
                        title=service.title,
                        updated_at=started,
                    )
                    for service in plan.services
                ),
            ],
        )

    @workflow.run
    async def run(self, plan: JourneyPlan) -> JourneyStatus:
        informant = plan.intake["informant"]
        self._update(StepUpdate(step_id=IDENTITY_STEP, state="running"))
        identity = await workflow.execute_activity(
            verify_identity,
            VerifyIdentityInput(
                journey_id=plan.journey_id,
                national_id=informant["national_id"],
                given_name=informant["given_name"],
                family_name=informant["family_name"],
                birth_date=informant["birth_date"],
            ),
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
        )
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
            return self._finish("failed")

        self._update(StepUpdate(step_id=IDENTITY_STEP, state="completed", outcome="verified"))
        await asyncio.gather(*(self._run_service(plan, service) for service in plan.services))
        return self._finish(self._final_state())

    @workflow.query
    def status(self) -> JourneyStatus:
        return self._status

    @workflow.signal
    def step_changed(self, update: StepUpdate) -> None:
        self._update(update)

    async def _run_service(self, plan: JourneyPlan, service: ServicePlan) -> None:
        self._update(StepUpdate(step_id=service.service_id, state="running"))
        try:
            outcome: StepOutcome = await workflow.execute_child_workflow(
                AgencyServiceWorkflow.run,
                AgencyServiceInput(
                    journey_id=plan.journey_id,
                    step_id=service.service_id,
                    life_event=plan.life_event,
                    language=plan.language,
                    intake=plan.intake,
                    service=service,
                    callback_base_url=plan.callback_base_url,
                    journey_started_at=self._status.started_at,
                ),
                id=f"{plan.journey_id}/{service.service_id}",
            )
        except ChildWorkflowError as error:
            cause = error.cause
            reason = getattr(cause, "message", None) or str(cause or error)
            outcome = StepOutcome(state="failed", outcome="error", reasons=[reason])
        self._update(
            StepUpdate(
                step_id=service.service_id,
                state=outcome.state,
                outcome=outcome.outcome,
                reasons=outcome.reasons,
                reference=outcome.reference,
            ),
            final=True,
        )

    def _update(self, update: StepUpdate, *, final: bool = False) -> None:
        step = next(step for step in self._status.steps if step.id == update.step_id)
        if step.state in FINAL_STEP_STATES and not final:
            return  # a late report never reopens a finished step
        step.state = update.state
        step.updated_at = workflow.now()
        step.outcome = update.outcome or step.outcome
        step.reasons = update.reasons or step.reasons
        step.reference = update.reference or step.reference
        state: JourneyState = (
            "waiting_for_citizen"
            if any(s.state == "waiting_for_citizen" for s in self._status.steps)
            else "running"
        )
        self._set_state(state)

    def _final_state(self) -> JourneyState:
        clean = all(
            step.state in ("completed", "not_eligible") and step.outcome != "rejected"
            for step in self._status.steps
        )
        return "completed" if clean else "completed_with_issues"

    def _finish(self, state: JourneyState) -> JourneyStatus:
        self._status.completed_at = workflow.now()
        self._set_state(state)
        return self._status

    def _set_state(self, state: JourneyState) -> None:
        if self._status.state != state:
            self._status.state = state
            workflow.upsert_search_attributes([search_attributes.JOURNEY_STATE.value_set(state)])
