"""One agency service for one journey: eligibility, submission, the agency's decision, then tell
the person and pay where the service pays.

The agency's decision may come at once (in the submission's answer) or days later through a
callback, which the API turns into the ``agency_decision`` signal; the step waits for it durably,
without polling, up to the service's SLA. An agency may ask the person for more information: the
step then waits for the answer (reminding the person on a schedule, up to a deadline) and submits
again with it. Cancelled, the step undoes what it did (withdrawal, payment reversal).
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.agency_request import prepare_agency_request
    from activities.compensation import reverse_payment, withdraw_submission
    from activities.eligibility import check_eligibility
    from activities.notification import send_notification
    from activities.payment import record_payment
    from activities.submission import AGENCY_REJECTED_REQUEST, deliver_webhook
    from lifeevents.models import (
        AgencyDecision,
        AgencyRequest,
        AgencyServiceInput,
        CitizenRequest,
        DeliverWebhookInput,
        EligibilityInput,
        InformationAnswer,
        JourneyPlan,
        LocalizedText,
        NotificationInput,
        PaymentInput,
        PrepareRequestInput,
        ReversePaymentInput,
        ServicePlan,
        StepOutcome,
        StepUpdate,
        SubmissionResult,
        WithdrawalInput,
    )

# Telling the person, paying or undoing must not be given up lightly: retry for a day.
PERSISTENT = RetryPolicy(maximum_interval=timedelta(minutes=5))
DAY = timedelta(days=1)
QUICK = timedelta(seconds=10)


@workflow.defn
class AgencyServiceWorkflow:
    def __init__(self) -> None:
        self._decisions: dict[int, AgencyDecision] = {}
        self._answers: dict[str, str] | None = None
        self._submitted = False
        self._exchanges: list[dict[str, Any]] = []

    @workflow.signal
    def agency_decision(self, decision: AgencyDecision) -> None:
        """An agency's later decision. The first per submission counts; replays change nothing."""
        self._decisions.setdefault(decision.round, decision)

    @workflow.signal
    def information_provided(self, answer: InformationAnswer) -> None:
        """The person's answers, validated by the journey's update."""
        if self._answers is None:
            self._answers = answer.answers

    @workflow.run
    async def run(self, request: AgencyServiceInput) -> StepOutcome:
        try:
            outcome = await self._serve(request)
            if request.dry_run:
                outcome.exchanges = self._exchanges
            return outcome
        except asyncio.CancelledError:
            # The journey was cancelled: undo what this step did, then end as cancelled.
            done = (
                await undo(request.journey_id, workflow.info().workflow_id, request.service, None)
                if self._submitted
                else []
            )
            return StepOutcome(
                state="cancelled",
                outcome="cancelled",
                reasons=["The journey was cancelled."],
                compensations=done,
            )

    async def _serve(self, request: AgencyServiceInput) -> StepOutcome:
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
            start_to_close_timeout=QUICK,
        )
        if not eligibility.eligible:
            await self._notify(request, "not_eligible", reasons=eligibility.reasons)
            return StepOutcome(
                state="not_eligible", outcome="not_eligible", reasons=eligibility.reasons
            )

        round_, information = 1, dict[str, str]()
        while True:
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
                    prerequisites=request.prerequisites,
                    information=information,
                    round=round_,
                    workflow_id=workflow.info().workflow_id,
                    agency_id=service.agency_id,
                    record_access=not request.dry_run,
                ),
                start_to_close_timeout=QUICK,
            )
            self._submitted = True
            self._trace(request, "sent", agency_request.model_dump(mode="json"))
            try:
                submission = await self._submit(request, agency_request, round_)
            except ActivityError as error:
                reason = _failure_message(error)
                self._trace(request, "failed", {"reason": reason})
                await self._notify(request, "failed", reasons=[reason])
                return StepOutcome(state="failed", outcome="submission_failed", reasons=[reason])

            self._trace(request, "received", submission.model_dump(mode="json"))
            decision = submission.decision or self._decisions.get(round_)
            if decision is None:
                await self._report(
                    request, StepUpdate(step_id=request.step_id, state="waiting_for_agency")
                )
                # Awaited within this iteration, so the closure sees this round's number.
                if not await _wait(lambda: round_ in self._decisions, service.sla):  # noqa: B023
                    reason = (
                        f"{service.agency_name} did not decide within the service's time limit."
                    )
                    if service.on_sla != "escalate":
                        await self._notify(request, "failed", reasons=[reason])
                        return StepOutcome(
                            state="failed", outcome="agency_timeout", reasons=[reason]
                        )
                    # The service asked for escalation: operators are alerted (the journey is
                    # marked escalated in visibility) and the step keeps waiting for the agency.
                    await self._report(
                        request,
                        StepUpdate(
                            step_id=request.step_id,
                            state="waiting_for_agency",
                            reasons=[f"{reason} Escalated to operators."],
                            escalated=True,
                        ),
                    )
                    await workflow.wait_condition(lambda: round_ in self._decisions)  # noqa: B023
                decision = self._decisions[round_]
                self._trace(request, "callback", decision.model_dump(mode="json"))
            if decision.decision != "needs_information" or request.dry_run:
                break
            answers = await self._ask(request, decision, round_)
            if answers is None:
                reason = "The information asked for was not given before the deadline."
                await self._notify(request, "failed", reasons=[reason])
                return StepOutcome(
                    state="failed", outcome="information_not_given", reasons=[reason]
                )
            await self._report(
                request,
                StepUpdate(
                    step_id=request.step_id,
                    state="running",
                    closed_request=_request_id(request, round_),
                ),
            )
            round_, information = round_ + 1, answers

        if request.dry_run:
            return StepOutcome(
                state="completed", outcome=decision.decision, reference=decision.reference
            )
        if decision.decision == "rejected":
            await self._notify(request, "rejected", decision=decision)
            return StepOutcome(
                state="completed",
                outcome="rejected",
                reasons=[decision.message] if decision.message else [],
                reference=decision.reference,
            )
        paid = self._pay(request) if service.payment else _nothing()
        await asyncio.gather(self._notify(request, "approved", decision=decision), paid)
        return StepOutcome(state="completed", outcome="approved", reference=decision.reference)

    async def _ask(
        self, request: AgencyServiceInput, decision: AgencyDecision, round_: int
    ) -> dict[str, str] | None:
        """Ask the person for what the agency needs; remind them until they answer or time is up."""
        service = request.service
        self._answers = None
        due = workflow.now() + service.information_deadline
        if request.deadline_at is not None:
            due = min(due, request.deadline_at)
        ask = CitizenRequest(
            id=_request_id(request, round_),
            kind="information",
            step_id=request.step_id,
            title=service.title,
            requested=decision.requested,
            message=decision.message,
            created_at=workflow.now(),
            due_at=due,
        )
        await self._report(
            request, StepUpdate(step_id=request.step_id, state="waiting_for_citizen", request=ask)
        )
        key = f"{workflow.info().workflow_id}/information/{round_}"
        await self._notify(
            request, "information_needed", key=key, requested=ask.requested, due_at=due
        )
        reminders = 0
        while self._answers is None:
            remaining = due - workflow.now()
            if remaining <= timedelta(0):
                return None
            if await _wait(
                lambda: self._answers is not None, min(service.reminder_every, remaining)
            ):
                break
            if workflow.now() < due:
                reminders += 1
                await self._notify(
                    request,
                    "reminder",
                    key=f"{key}/reminder/{reminders}",
                    requested=ask.requested,
                    due_at=due,
                )
        return self._answers

    async def _submit(
        self, request: AgencyServiceInput, agency_request: AgencyRequest, round_: int
    ) -> SubmissionResult:
        service = request.service
        retry = RetryPolicy(
            initial_interval=timedelta(seconds=service.retry.initial_interval_seconds),
            maximum_interval=timedelta(seconds=service.retry.maximum_interval_seconds),
            maximum_attempts=service.retry.maximum_attempts,
            non_retryable_error_types=[AGENCY_REJECTED_REQUEST],
        )
        attempt_timeout = timedelta(seconds=service.retry.attempt_timeout_seconds)
        key = f"{workflow.info().workflow_id}/submit"
        if round_ > 1:
            key = f"{key}/{round_}"
        if service.delivery.mode == "webhook":
            return await workflow.execute_activity(
                deliver_webhook,
                DeliverWebhookInput(
                    journey_id=request.journey_id,
                    agency_id=service.agency_id,
                    url=service.delivery.url,
                    request=agency_request,
                    idempotency_key=key,
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
        key: str | None = None,
        reasons: list[str] | None = None,
        decision: AgencyDecision | None = None,
        requested: list[str] | None = None,
        due_at: datetime | None = None,
    ) -> None:
        if request.dry_run:
            return
        await send(
            NotificationInput(
                journey_id=request.journey_id,
                idempotency_key=key or f"{workflow.info().workflow_id}/notify",
                to_email=request.intake["contact"]["email"],
                language=request.language,
                service_title=request.service.title,
                agency_name=request.service.agency_name,
                outcome=outcome,
                reference=decision.reference if decision else None,
                agency_message=decision.message if decision else None,
                reasons=reasons or [],
                payment=request.service.payment,
                requested=requested or [],
                due_at=due_at,
            )
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
            start_to_close_timeout=QUICK,
            schedule_to_close_timeout=DAY,
            retry_policy=PERSISTENT,
        )

    def _trace(self, request: AgencyServiceInput, kind: str, content: dict[str, Any]) -> None:
        if request.dry_run:
            self._exchanges.append({"at": workflow.now().isoformat(), kind: content})

    async def _report(self, request: AgencyServiceInput, update: StepUpdate) -> None:
        """Tell the journey where this step stands, so its status query can answer."""
        if request.dry_run:
            return
        parent = workflow.get_external_workflow_handle(request.journey_id)
        await parent.signal("step_changed", update)


async def send(notification: NotificationInput) -> None:
    """The notification building block, as every workflow calls it."""
    await workflow.execute_activity(
        send_notification,
        notification,
        start_to_close_timeout=timedelta(seconds=15),
        schedule_to_close_timeout=DAY,
        retry_policy=PERSISTENT,
    )


async def notify(
    plan: JourneyPlan,
    service: ServicePlan,
    outcome: str,
    key: str,
    *,
    purpose: LocalizedText | None = None,
    due_at: datetime | None = None,
) -> None:
    """Tell the person something about one service of their journey (from the journey itself)."""
    await send(
        NotificationInput(
            journey_id=plan.journey_id,
            idempotency_key=key,
            to_email=plan.intake["contact"]["email"],
            language=plan.language,
            service_title=service.title,
            agency_name=service.agency_name,
            outcome=outcome,
            purpose=purpose,
            due_at=due_at,
        )
    )


async def undo(
    journey_id: str, step_workflow_id: str, service: ServicePlan, reference: str | None
) -> list[str]:
    """Compensate one service, the latest effect first: reverse its payment, then withdraw."""
    done: list[str] = []
    if service.payment is not None:
        receipt = await workflow.execute_activity(
            reverse_payment,
            ReversePaymentInput(journey_id=journey_id, idempotency_key=f"{step_workflow_id}/pay"),
            start_to_close_timeout=QUICK,
            schedule_to_close_timeout=DAY,
            retry_policy=PERSISTENT,
        )
        if receipt.status != "none":
            done.append(f"payment_{receipt.status}")
    withdrawal = service.withdrawal
    if withdrawal is not None:
        notice = WithdrawalInput(
            journey_id=journey_id,
            agency_id=service.agency_id,
            url=withdrawal.url if withdrawal.mode == "webhook" else "",
            idempotency_key=f"{step_workflow_id}/withdraw",
            service_id=service.service_id,
            step_id=service.service_id,
            reference=reference,
        )
        if withdrawal.mode == "webhook":
            await workflow.execute_activity(
                withdraw_submission,
                notice,
                start_to_close_timeout=QUICK,
                schedule_to_close_timeout=DAY,
                retry_policy=PERSISTENT,
            )
        else:
            await workflow.execute_activity(
                withdrawal.activity,
                notice,
                task_queue=withdrawal.task_queue,
                start_to_close_timeout=QUICK,
                schedule_to_close_timeout=DAY,
                retry_policy=PERSISTENT,
            )
        done.append("withdrawn")
    return done


def _request_id(request: AgencyServiceInput, round_: int) -> str:
    return f"{request.step_id}/information/{round_}"


async def _wait(condition: Callable[[], bool], timeout: timedelta) -> bool:
    try:
        await workflow.wait_condition(condition, timeout=timeout)
    except TimeoutError:
        return False
    return True


async def _nothing() -> None:
    return None


def _failure_message(error: ActivityError) -> str:
    """The agency's own words where there are some (the innermost application error)."""
    cause: BaseException | None = error.cause
    while isinstance(cause, FailureError) and not isinstance(cause, ApplicationError):
        cause = cause.cause
    return cause.message if isinstance(cause, ApplicationError) else str(error)
