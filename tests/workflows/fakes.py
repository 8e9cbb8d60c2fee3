"""Recording stand-ins for the I/O activities, registered under the real activity names, and
what the workflow tests share to run journeys with them."""

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from activities.agency_request import prepare_agency_request
from activities.eligibility import check_eligibility
from activities.outcome import record_journey_outcome as real_record_journey_outcome
from core.models import (
    AgencyServiceInput,
    ConsentRecordInput,
    ConsentRecordsInput,
    DeadlinePlan,
    DeliverWebhookInput,
    IdentityResult,
    JourneyOutcomeInput,
    JourneyPlan,
    JourneyStatus,
    Language,
    LocalizedText,
    NotificationInput,
    NotificationReceipt,
    PaymentInput,
    PaymentReceipt,
    ReversePaymentInput,
    ServicePlan,
    SubmissionResult,
    VerifyIdentityInput,
    WebhookDelivery,
    WithdrawalInput,
)
from workflows.agency_service import AgencyServiceWorkflow
from workflows.journey import LifeEventJourney
from workflows.worker import WORKFLOW_RUNNER


@dataclass
class Recorder:
    decide_at_once: bool = False
    verified: bool = True
    # Scripted agency answers per service, one per submission round (else decide_at_once).
    script: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    submissions: list[DeliverWebhookInput] = field(default_factory=list)
    notifications: list[NotificationInput] = field(default_factory=list)
    payments: list[PaymentInput] = field(default_factory=list)
    consents: list[ConsentRecordInput] = field(default_factory=list)
    reversals: list[ReversePaymentInput] = field(default_factory=list)
    withdrawals: list[WithdrawalInput] = field(default_factory=list)
    outcomes: list[JourneyOutcomeInput] = field(default_factory=list)

    def activities(self) -> list[Any]:
        @activity.defn(name="verify_identity")
        async def verify_identity(request: VerifyIdentityInput) -> IdentityResult:
            return IdentityResult(verified=self.verified, reason=None if self.verified else "no")

        @activity.defn(name="deliver_webhook")
        async def deliver_webhook(request: DeliverWebhookInput) -> SubmissionResult:
            self.submissions.append(request)
            scripted = self.script.get(request.request.service_id)
            if scripted:
                answer = scripted[min(request.request.round, len(scripted)) - 1]
                return SubmissionResult.model_validate({"accepted": True, "decision": answer})
            if self.decide_at_once:
                return SubmissionResult.model_validate(
                    {"accepted": True, "decision": {"decision": "approved", "reference": "R-1"}}
                )
            return SubmissionResult(accepted=True)

        @activity.defn(name="send_notification")
        async def send_notification(request: NotificationInput) -> NotificationReceipt:
            self.notifications.append(request)
            return NotificationReceipt(message_id=f"<{len(self.notifications)}@test>")

        @activity.defn(name="record_payment")
        async def record_payment(request: PaymentInput) -> PaymentReceipt:
            self.payments.append(request)
            return PaymentReceipt(payment_id=len(self.payments), status="instructed")

        @activity.defn(name="record_consent")
        async def record_consent(request: ConsentRecordInput) -> None:
            self.consents.append(request)

        @activity.defn(name="record_consents")
        async def record_consents(request: ConsentRecordsInput) -> None:
            self.consents.extend(request.records)

        @activity.defn(name="reverse_payment")
        async def reverse_payment(request: ReversePaymentInput) -> PaymentReceipt:
            self.reversals.append(request)
            return PaymentReceipt(payment_id=1, status="reversed")

        @activity.defn(name="withdraw_submission")
        async def withdraw_submission(request: WithdrawalInput) -> None:
            self.withdrawals.append(request)

        @activity.defn(name="record_journey_outcome")
        async def record_journey_outcome(outcome: JourneyOutcomeInput) -> None:
            # The real activity, on the package's scratch database: the row is really written.
            self.outcomes.append(outcome)
            await asyncio.to_thread(real_record_journey_outcome, outcome)

        return [
            verify_identity,
            deliver_webhook,
            send_notification,
            record_payment,
            record_consent,
            record_consents,
            reverse_payment,
            withdraw_submission,
            record_journey_outcome,
        ]


def service_plan(service_id: str = "health.child-health-card", **changes: Any) -> ServicePlan:
    values: dict[str, Any] = {
        "service_id": service_id,
        "agency_id": "health",
        "agency_name": "Provincial Health Plan",
        "title": LocalizedText(en="Health card", fr="Carte santé"),
        "registration_version": 1,
        "fields": ["child.given_name"],
        "delivery": WebhookDelivery(url="http://127.0.0.1:9/never"),
        "sla": timedelta(days=10),
        "consent": True,
        **changes,
    }
    return ServicePlan(**values)


INTAKE: dict[str, Any] = {
    "informant": {
        "national_id": "234567891",
        "given_name": "Jordan",
        "family_name": "Smith",
        "birth_date": "1988-11-02",
    },
    "child": {"given_name": "Noah", "family_name": "Smith", "birth_date": "2026-11-20", "sex": "M"},
    "contact": {"email": "p@example.org", "language": "en"},
}


def agency_service_input(journey_id: str, service: ServicePlan) -> AgencyServiceInput:
    from datetime import UTC, datetime

    return AgencyServiceInput(
        journey_id=journey_id,
        step_id=service.service_id,
        life_event="birth",
        language="en",
        intake=INTAKE,
        service=service,
        callback_base_url="http://127.0.0.1:8000",
        journey_started_at=datetime(2026, 11, 23, tzinfo=UTC),
    )


def journey_worker(client: Client, task_queue: str, recorder: Recorder) -> Worker:
    """The journey workflows, with the recorder's stand-ins and the real pure activities."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[LifeEventJourney, AgencyServiceWorkflow],
        activities=[*recorder.activities(), check_eligibility, prepare_agency_request],
        workflow_runner=WORKFLOW_RUNNER,  # the production worker's sandbox settings
    )


async def start_journey(
    client: Client,
    task_queue: str,
    *services: ServicePlan,
    deadlines: list[DeadlinePlan] | None = None,
    language: Language = "en",
) -> WorkflowHandle[Any, JourneyStatus]:
    """A birth journey over these services, with ``INTAKE``."""
    journey_id = str(uuid.uuid4())
    plan = JourneyPlan(
        journey_id=journey_id,
        life_event="birth",
        definition_version=1,
        language=language,
        intake=INTAKE,
        services=list(services),
        callback_base_url="http://127.0.0.1:8000",
        deadlines=deadlines or [],
    )
    return await client.start_workflow(
        LifeEventJourney.run, plan, id=journey_id, task_queue=task_queue
    )
