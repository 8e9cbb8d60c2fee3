"""One agency service for one journey: eligibility, submission, the agency's decision, then tell
the person and pay where the service pays.

The agency's decision may come at once (in the submission's answer) or days later through a
callback, which the API turns into the ``agency_decision`` signal; the step waits for it durably,
without polling, up to the service's SLA.
"""

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.agency_request import prepare_agency_request
    from activities.eligibility import check_eligibility
    from activities.notification import send_notification
    from activities.payment import record_payment
    from activities.submission import AGENCY_REJECTED_REQUEST, deliver_webhook
    from lifeevents.models import (
        AgencyDecision,
        AgencyRequest,
        AgencyServiceInput,
        DeliverWebhookInput,
        EligibilityInput,
        NotificationInput,
        PaymentInput,
        PrepareRequestInput,
        StepOutcome,
        StepUpdate,
        SubmissionResult,
    )

# Telling the person or paying must not be given up lightly: retry for a day, backing off.
PERSISTENT = RetryPolicy(maximum_interval=timedelta(minutes=5))
DAY = timedelta(days=1)


@workflow.defn
class AgencyServiceWorkflow:
    def __init__(self) -> None:
        self._decision: AgencyDecision | None = None

    @workflow.signal
    def agency_decision(self, decision: AgencyDecision) -> None:
        """An agency's later decision. The first one counts; a replayed callback changes nothing."""
        if self._decision is None:
            self._decision = decision

    @workflow.run
    async def run(self, request: AgencyServiceInput) -> StepOutcome:
        service = request.service
        eligibility = await workflow.execute_local_activity(
            check_eligibility,
            EligibilityInput(
                journey_id=request.journey_id,
                service_id=service.service_id,
                language=request.language,
                rules=service.eligibility,
                intake=request.intake,
                as_of=request.journey_started_at,
            ),
            start_to_close_timeout=timedelta(seconds=10),
        )
        if not eligibility.eligible:
            await self._notify(request, "not_eligible", reasons=eligibility.reasons)
            return StepOutcome(
                state="not_eligible", outcome="not_eligible", reasons=eligibility.reasons
            )

        agency_request = await workflow.execute_local_activity(
            prepare_agency_request,
            PrepareRequestInput(
                journey_id=request.journey_id,
                step_id=request.step_id,
                service_id=service.service_id,
                life_event=request.life_event,
                fields=service.fields,
                intake=request.intake,
                callback_base_url=request.callback_base_url,
                workflow_id=workflow.info().workflow_id,
            ),
            start_to_close_timeout=timedelta(seconds=10),
        )
        try:
            submission = await self._submit(request, agency_request)
        except ActivityError as error:
            reason = _failure_message(error)
            await self._notify(request, "failed", reasons=[reason])
            return StepOutcome(state="failed", outcome="submission_failed", reasons=[reason])

        decision = submission.decision or self._decision
        if decision is None:
            await self._report(
                request, StepUpdate(step_id=request.step_id, state="waiting_for_agency")
            )
            try:
                await workflow.wait_condition(
                    lambda: self._decision is not None, timeout=service.sla
                )
            except TimeoutError:
                reason = f"{service.agency_name} did not decide within the service's time limit."
                await self._notify(request, "failed", reasons=[reason])
                return StepOutcome(state="failed", outcome="agency_timeout", reasons=[reason])
            decision = self._decision
            assert decision is not None

        if decision.decision != "approved":
            await self._notify(request, decision.decision, decision=decision)
            reasons = [decision.message] if decision.message else []
            return StepOutcome(
                state="failed" if decision.decision == "needs_information" else "completed",
                outcome=decision.decision,
                reasons=reasons,
                reference=decision.reference,
            )

        paid = self._pay(request) if service.payment else _nothing()
        await asyncio.gather(self._notify(request, "approved", decision=decision), paid)
        return StepOutcome(state="completed", outcome="approved", reference=decision.reference)

    async def _submit(
        self, request: AgencyServiceInput, agency_request: AgencyRequest
    ) -> SubmissionResult:
        service = request.service
        retry = RetryPolicy(
            initial_interval=timedelta(seconds=service.retry.initial_interval_seconds),
            maximum_interval=timedelta(seconds=service.retry.maximum_interval_seconds),
            maximum_attempts=service.retry.maximum_attempts,
            non_retryable_error_types=[AGENCY_REJECTED_REQUEST],
        )
        attempt_timeout = timedelta(seconds=service.retry.attempt_timeout_seconds)
        if service.delivery.mode == "webhook":
            return await workflow.execute_activity(
                deliver_webhook,
                DeliverWebhookInput(
                    journey_id=request.journey_id,
                    url=service.delivery.url,
                    request=agency_request,
                    idempotency_key=f"{workflow.info().workflow_id}/submit",
                ),
                start_to_close_timeout=attempt_timeout,
                retry_policy=retry,
            )
        # A native agency: its own worker runs the activity on its own task queue.
        answer: dict[str, Any] | None = await workflow.execute_activity(
            service.delivery.activity,
            agency_request,
            task_queue=service.delivery.task_queue,
            start_to_close_timeout=attempt_timeout,
            retry_policy=retry,
            result_type=dict,
        )
        if answer and answer.get("decision"):
            return SubmissionResult(accepted=True, decision=AgencyDecision.model_validate(answer))
        return SubmissionResult(accepted=True)

    async def _notify(
        self,
        request: AgencyServiceInput,
        outcome: str,
        *,
        reasons: list[str] | None = None,
        decision: AgencyDecision | None = None,
    ) -> None:
        service = request.service
        await workflow.execute_activity(
            send_notification,
            NotificationInput(
                journey_id=request.journey_id,
                idempotency_key=f"{workflow.info().workflow_id}/notify",
                to_email=request.intake["contact"]["email"],
                language=request.language,
                service_title=service.title,
                agency_name=service.agency_name,
                outcome=outcome,
                reference=decision.reference if decision else None,
                agency_message=decision.message if decision else None,
                reasons=reasons or [],
                payment=service.payment,
            ),
            start_to_close_timeout=timedelta(seconds=15),
            schedule_to_close_timeout=DAY,
            retry_policy=PERSISTENT,
        )

    async def _pay(self, request: AgencyServiceInput) -> None:
        payment = request.service.payment
        assert payment is not None
        await workflow.execute_activity(
            record_payment,
            PaymentInput(
                journey_id=request.journey_id,
                service_id=request.service.service_id,
                idempotency_key=f"{workflow.info().workflow_id}/pay",
                payee_national_id=request.intake["informant"]["national_id"],
                amount_cents=payment.amount_cents,
                currency=payment.currency,
            ),
            start_to_close_timeout=timedelta(seconds=10),
            schedule_to_close_timeout=DAY,
            retry_policy=PERSISTENT,
        )

    async def _report(self, request: AgencyServiceInput, update: StepUpdate) -> None:
        """Tell the journey where this step stands, so its status query can answer."""
        parent = workflow.get_external_workflow_handle(request.journey_id)
        await parent.signal("step_changed", update)


async def _nothing() -> None:
    return None


def _failure_message(error: ActivityError) -> str:
    """The agency's own words where there are some (the innermost application error)."""
    cause: BaseException | None = error.cause
    while isinstance(cause, FailureError) and not isinstance(cause, ApplicationError):
        cause = cause.cause
    return cause.message if isinstance(cause, ApplicationError) else str(error)
