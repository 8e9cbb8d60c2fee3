"""What an operator tells a running journey: resolve an escalation, send a step's request to
its agency again, e-mail the person again what a request asks, give them more time.

Each is an update whose validator refuses what does not apply (the API answers 409 with its
reason) before anything is written to history. The operator's name and reason are not in the
workflow: the API writes them to the audit trail once the journey has accepted the action. A
mixin of ``LifeEventJourney`` (``workflows/journey.py``), which owns the attributes declared
here; steps started before their workflow took operators' actions (``takes_operator_actions``)
are refused rather than signalled in vain.
"""

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.ids import consent_message_key, resend_message_key
    from core.models import (
        AgencyDecision,
        CancelRequest,
        CitizenRequest,
        DeadlineExtension,
        EscalationResolution,
        JourneyStatus,
        MessageResend,
        Resubmission,
        StepAction,
    )
    from workflows import calls, messages
    from workflows.agency_service import AgencyServiceWorkflow
    from workflows.journey_updates import CitizenUpdates, async_update
    from workflows.names import EXTEND_DEADLINE, RESEND_MESSAGE, RESOLVE_ESCALATION, RESUBMIT


class OperatorUpdates(CitizenUpdates):
    """The journey's operator update handlers and their validators."""

    _operable: set[str]
    _extendable: set[str]
    _extended: dict[str, datetime]
    _resends: dict[str, int]

    # --- Resolving an escalation, sending again -----------------------------------------------

    @async_update(RESOLVE_ESCALATION)
    async def resolve_escalation(self, resolution: EscalationResolution) -> JourneyStatus:
        """Resolve a step whose agency missed its SLA: send again, record the decision the agency
        gave another way, skip the step, or cancel the whole journey."""
        sid = resolution.step_id
        self._tracker.escalation_resolved(sid)
        if resolution.action == "cancel_journey":
            self._begin_cancel(CancelRequest())
            return self._tracker.status
        action = StepAction(kind="skip")
        if resolution.action == "resubmit":
            action = StepAction(kind="resubmit")
        elif resolution.action == "record_decision":
            assert resolution.decision is not None  # the model requires it
            decision = AgencyDecision(decision=resolution.decision, reference=resolution.reference)
            action = StepAction(kind="decide", decision=decision)
        await self._children[sid].signal(AgencyServiceWorkflow.operator_action, action)
        return self._tracker.status

    @resolve_escalation.validator
    def _validate_resolution(self, resolution: EscalationResolution) -> None:
        self._refuse_if_over()
        sid = self._known_step(resolution.step_id)
        step = self._tracker.step(sid)
        if not step.escalated or self._tracker.is_final(sid):
            raise ValueError(f"'{sid}' is not escalated (it is {step.state})")
        if resolution.action != "cancel_journey":
            self._refuse_if_not_operable(sid)

    @async_update(RESUBMIT)
    async def resubmit(self, resubmission: Resubmission) -> JourneyStatus:
        """Send a step's request to its agency again: a new round, with its own idempotency key
        and callback id (an agency deduplicating on the old key would drop a plain retry)."""
        sid = resubmission.step_id
        self._tracker.escalation_resolved(sid)
        await self._children[sid].signal(
            AgencyServiceWorkflow.operator_action, StepAction(kind="resubmit")
        )
        return self._tracker.status

    @resubmit.validator
    def _validate_resubmission(self, resubmission: Resubmission) -> None:
        self._refuse_if_over()
        sid = self._known_step(resubmission.step_id)
        state = self._tracker.step(sid).state
        if state != "waiting_for_agency":
            raise ValueError(f"'{sid}' is not waiting for its agency (it is {state})")
        self._refuse_if_not_operable(sid)

    # --- Requests to the person ---------------------------------------------------------------

    @async_update(RESEND_MESSAGE)
    async def resend_message(self, resend: MessageResend) -> CitizenRequest:
        """E-mail the person again what an open request asks (with a fresh link): a new key per
        resend, so each goes out exactly once."""
        request = self._open_request(resend.request_id)
        count = self._resends[request.id] = self._resends.get(request.id, 0) + 1
        if request.kind == "information":
            await self._children[request.step_id].signal(
                AgencyServiceWorkflow.operator_action, StepAction(kind="resend_request")
            )
        elif request.kind == "consent":
            service = self._services[request.step_id]
            purpose = service.purpose or service.title
            message = messages.consent_needed(self._plan, service, purpose, request.due_at)
            key = resend_message_key(
                consent_message_key(self._plan.journey_id, service.service_id), count
            )
            await calls.send(message.model_copy(update={"idempotency_key": key}))
        else:
            message = messages.offer(self._plan)
            key = resend_message_key(message.idempotency_key, count)
            await calls.send(
                message.model_copy(update={"idempotency_key": key, "due_at": request.due_at})
            )
        return request

    @resend_message.validator
    def _validate_resend(self, resend: MessageResend) -> None:
        self._refuse_if_over()
        self._refuse_if_not_actionable(self._open_request(resend.request_id))

    @async_update(EXTEND_DEADLINE)
    async def extend_deadline(self, extension: DeadlineExtension) -> CitizenRequest:
        """Give the person more days to answer an open request, counted from its due date."""
        request = self._open_request(extension.request_id)
        assert request.due_at is not None  # the validator refuses a request without one
        due = max(request.due_at, workflow.now()) + timedelta(days=extension.days)
        self._tracker.extend_request(request.id, due)
        if request.kind == "information":
            await self._children[request.step_id].signal(
                AgencyServiceWorkflow.operator_action, StepAction(kind="extend", due_at=due)
            )
        else:
            self._extended[request.id] = due  # the journey's own wait sees it at once
        return request

    @extend_deadline.validator
    def _validate_extension(self, extension: DeadlineExtension) -> None:
        self._refuse_if_over()
        request = self._open_request(extension.request_id)
        if request.due_at is None:
            raise ValueError(f"Request '{request.id}' has no due date to extend")
        self._refuse_if_not_actionable(request)

    # --- Shared checks ------------------------------------------------------------------------

    def _known_step(self, step_id: str) -> str:
        if step_id not in self._services:
            raise ValueError(f"'{step_id}' is not a service of this journey")
        return step_id

    def _refuse_if_not_operable(self, step_id: str) -> None:
        if step_id not in self._operable or step_id not in self._children:
            raise ValueError(f"'{step_id}' started before operators could act on it")

    def _open_request(self, request_id: str) -> CitizenRequest:
        request = self._tracker.request(request_id)
        if request is None:
            raise ValueError(f"No request '{request_id}'")
        if request.state != "open":
            raise ValueError(f"Request '{request_id}' is {request.state}")
        return request

    def _refuse_if_not_actionable(self, request: CitizenRequest) -> None:
        """The wait behind the request must be one that takes operators' actions."""
        if request.kind == "information":
            self._refuse_if_not_operable(request.step_id)
        elif request.id not in self._extendable:
            raise ValueError(f"Request '{request.id}' was opened before operators could act on it")
