"""Every activity the workflows call, with the options it is called with.

Timeouts and retry policies live here, next to the call, so a workflow reads like the journey
it runs. Each function schedules exactly the activity (or activities) it did when it was part of
the workflow, in the same order: recorded histories depend on it.
"""

import asyncio
from datetime import timedelta
from typing import Any, Literal

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from activities.agency_request import prepare_agency_request as _prepare_agency_request
    from activities.compensation import reverse_payment, withdraw_submission
    from activities.consent import record_consent as _record_consent
    from activities.consent import record_consents as _record_consents
    from activities.eligibility import check_eligibility as _check_eligibility
    from activities.identity import verify_identity as _verify_identity
    from activities.notification import send_notification
    from activities.outcome import record_journey_outcome
    from activities.payment import record_payment
    from activities.submission import AGENCY_REJECTED_REQUEST, deliver_webhook
    from core.ids import payment_key, submission_key, withdrawal_key
    from core.models import (
        AgencyDecision,
        AgencyRequest,
        AgencyServiceInput,
        ConsentRecordInput,
        ConsentRecordsInput,
        DeliverWebhookInput,
        EligibilityInput,
        EligibilityResult,
        IdentityResult,
        JourneyOutcomeInput,
        NotificationInput,
        PaymentInput,
        PrepareRequestInput,
        ReversePaymentInput,
        ServicePlan,
        SubmissionResult,
        VerifyIdentityInput,
        WithdrawalInput,
    )

# Our own database (identity register, consent records): quick, retried until it answers.
DB_TIMEOUT = timedelta(seconds=10)
DB_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
# Pure local activities (eligibility rules, building the agency's request).
LOCAL_TIMEOUT = timedelta(seconds=10)
# Telling the person, paying or undoing must not be given up lightly: retry for a day.
PERSISTENT = RetryPolicy(maximum_interval=timedelta(minutes=5))
PERSIST_FOR = timedelta(days=1)
NOTIFICATION_ATTEMPT = timedelta(seconds=15)
EFFECT_ATTEMPT = timedelta(seconds=10)

# Journeys started before this patch recorded intake consents with one activity per service.
ONE_CONSENT_ACTIVITY_PATCH = "intake-consents-in-one-activity"
# Journeys started before this patch stopped waiting for a payment being recorded when they
# were cancelled: the reversal could run before the payment was in the ledger, and miss it.
PAYMENT_SETTLES_BEFORE_CANCEL_PATCH = "payment-recorded-before-cancel"


# --- Identity and consent (the journey) -------------------------------------------------------


async def verify_identity(
    journey_id: str, informant: dict[str, Any], client_ref: str | None = None
) -> IdentityResult:
    return await workflow.execute_activity(
        _verify_identity,
        VerifyIdentityInput(
            journey_id=journey_id,
            national_id=informant["national_id"],
            given_name=informant["given_name"],
            family_name=informant["family_name"],
            birth_date=informant["birth_date"],
            client_ref=client_ref,
        ),
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=DB_RETRY,
    )


def consent_record(
    journey_id: str, service: ServicePlan, *, given: bool, source: Literal["intake", "citizen"]
) -> ConsentRecordInput:
    """The consent record of one service: its purpose is what the person agreed to."""
    return ConsentRecordInput(
        journey_id=journey_id,
        service_id=service.service_id,
        agency_id=service.agency_id,
        purpose=(service.purpose or service.title).en,
        given=given,
        source=source,
    )


async def record_consent(record: ConsentRecordInput) -> None:
    await workflow.execute_activity(
        _record_consent, record, start_to_close_timeout=DB_TIMEOUT, retry_policy=DB_RETRY
    )


async def record_consents(records: list[ConsentRecordInput]) -> None:
    """Record several consents at once (those given at intake or on confirming an offer)."""
    if workflow.patched(ONE_CONSENT_ACTIVITY_PATCH):
        # One activity for all of them: one task instead of one per service.
        await workflow.execute_activity(
            _record_consents,
            ConsentRecordsInput(records=records),
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=DB_RETRY,
        )
        return
    await asyncio.gather(*(record_consent(record) for record in records))


async def record_outcome(outcome: JourneyOutcomeInput) -> None:
    """The journey's outcome for the reports (our own database: retried until it answers)."""
    await workflow.execute_activity(
        record_journey_outcome, outcome, start_to_close_timeout=DB_TIMEOUT, retry_policy=DB_RETRY
    )


# --- One agency service (the step) ------------------------------------------------------------


async def check_eligibility(request: AgencyServiceInput) -> EligibilityResult:
    service = request.service
    return await workflow.execute_local_activity(
        _check_eligibility,
        EligibilityInput(
            journey_id=request.journey_id,
            service_id=service.service_id,
            language=request.language,
            rules=service.eligibility,
            intake=request.intake,
            as_of=request.journey_started_at,
        ),
        start_to_close_timeout=LOCAL_TIMEOUT,
    )


async def prepare_agency_request(
    request: AgencyServiceInput, round_: int, information: dict[str, str]
) -> AgencyRequest:
    """The request for this submission round, as the agency will receive it."""
    service = request.service
    return await workflow.execute_local_activity(
        _prepare_agency_request,
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
        start_to_close_timeout=LOCAL_TIMEOUT,
    )


async def submit(
    request: AgencyServiceInput, agency_request: AgencyRequest, round_: int
) -> SubmissionResult:
    """Submit to the agency, retried as the service's registration says."""
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
                agency_id=service.agency_id,
                url=service.delivery.url,
                request=agency_request,
                idempotency_key=submission_key(workflow.info().workflow_id, round_),
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


async def pay(request: AgencyServiceInput) -> None:
    """Record the service's payment; the ledger's unique key makes a retry pay nothing more."""
    payment = request.service.payment
    assert payment is not None
    # Cancelled while the payment is being recorded: wait for the recording to end, so that the
    # reversal that follows finds the payment (or knows there is none).
    cancellation = (
        ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
        if workflow.patched(PAYMENT_SETTLES_BEFORE_CANCEL_PATCH)
        else ActivityCancellationType.TRY_CANCEL
    )
    await workflow.execute_activity(
        record_payment,
        PaymentInput(
            journey_id=request.journey_id,
            service_id=request.service.service_id,
            idempotency_key=payment_key(workflow.info().workflow_id),
            payee_national_id=request.intake["informant"]["national_id"],
            amount_cents=payment.amount_cents,
            currency=payment.currency,
        ),
        start_to_close_timeout=EFFECT_ATTEMPT,
        schedule_to_close_timeout=PERSIST_FOR,
        retry_policy=PERSISTENT,
        cancellation_type=cancellation,
    )


async def undo(
    journey_id: str, step_workflow: str, service: ServicePlan, reference: str | None
) -> list[str]:
    """Compensate one service, the latest effect first: reverse its payment, then withdraw."""
    done: list[str] = []
    if service.payment is not None:
        receipt = await workflow.execute_activity(
            reverse_payment,
            ReversePaymentInput(journey_id=journey_id, idempotency_key=payment_key(step_workflow)),
            start_to_close_timeout=EFFECT_ATTEMPT,
            schedule_to_close_timeout=PERSIST_FOR,
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
            idempotency_key=withdrawal_key(step_workflow),
            service_id=service.service_id,
            step_id=service.service_id,
            reference=reference,
        )
        if withdrawal.mode == "webhook":
            await workflow.execute_activity(
                withdraw_submission,
                notice,
                start_to_close_timeout=EFFECT_ATTEMPT,
                schedule_to_close_timeout=PERSIST_FOR,
                retry_policy=PERSISTENT,
            )
        else:
            await workflow.execute_activity(
                withdrawal.activity,
                notice,
                task_queue=withdrawal.task_queue,
                start_to_close_timeout=EFFECT_ATTEMPT,
                schedule_to_close_timeout=PERSIST_FOR,
                retry_policy=PERSISTENT,
            )
        done.append("withdrawn")
    return done


# --- Telling the person -----------------------------------------------------------------------


async def send(notification: NotificationInput) -> None:
    """The notification building block, as every workflow calls it."""
    await workflow.execute_activity(
        send_notification,
        notification,
        start_to_close_timeout=NOTIFICATION_ATTEMPT,
        schedule_to_close_timeout=PERSIST_FOR,
        retry_policy=PERSISTENT,
    )
