"""The agency SDK: write your agency's services as plain async functions, run them as a Temporal
worker on your own task queue, and the orchestrator calls them.

    from agency_sdk import AgencyDecision, AgencyRequest, service

    @service("pension.stop-payments")
    async def stop_payments(request: AgencyRequest) -> AgencyDecision:
        ...  # your systems here
        return AgencyDecision(decision="approved", reference="PEN-123")

Run it with one command:

    lifeevents agency-worker --task-queue agency-pension --module my_agency.services

and register the service with ``{"mode": "task_queue", "task_queue": "agency-pension",
"activity": "pension.stop-payments.submit"}`` (``activity_name("pension.stop-payments")``).
Return ``None`` to decide later, then post the decision to ``request.callback_url`` with
``send_callback`` (its ``webhook-id`` must be the callback id, ``:`` and a suffix:
``callback_msg_id(request.callback_url)``).
"""

from agency_sdk.sdk import (
    activity_name,
    build_worker,
    callback_msg_id,
    collect,
    run_worker,
    send_callback,
    service,
    withdrawal,
    withdrawal_activity_name,
)
from core.models import AgencyDecision, AgencyRequest, WithdrawalInput

__all__ = [
    "AgencyDecision",
    "AgencyRequest",
    "WithdrawalInput",
    "activity_name",
    "build_worker",
    "callback_msg_id",
    "collect",
    "run_worker",
    "send_callback",
    "service",
    "withdrawal",
    "withdrawal_activity_name",
]
