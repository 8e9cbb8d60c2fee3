"""One agency service for one journey: eligibility, submission, the agency's decision, then tell
the person and pay where the service pays.

The agency's decision may come at once (in the submission's answer) or days later through a
callback, which the API turns into the ``agency_decision`` signal; the step waits for it durably,
without polling, up to the service's SLA. An agency may ask the person for more information: the
step then waits for the answer (reminding the person on a schedule, up to a deadline) and submits
again with it. Cancelled, the step undoes what it did (withdrawal, payment reversal).

What an agency writes in free text may echo the person's data: a decision that arrives by
callback (or from a native agency) has its message redacted here, with the data the step sent
that agency, before it reaches the journey's status, a notification or a request to the person.
"""

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, FailureError, RetryState
from temporalio.exceptions import TimeoutError as TemporalTimeout

with workflow.unsafe.imports_passed_through():
    from core.ids import (
        information_message_key,
        information_request_id,
        outcome_message_key,
        reminder_message_key,
        resend_message_key,
    )
    from core.models import (
        AgencyDecision,
        AgencyRequest,
        AgencyServiceInput,
        CitizenRequest,
        InformationAnswer,
        MessageKind,
        StepAction,
        StepOutcome,
        StepUpdate,
    )
    from core.redaction import redact_text
    from workflows import calls, messages, metrics
    from workflows.names import (
        AGENCY_DECISION,
        AGENCY_SERVICE,
        INFORMATION_PROVIDED,
        OPERATOR_ACTION,
        STEP_CHANGED,
    )
    from workflows.waits import wait_for

# Steps started before this patch took no operator's action: past an escalated SLA they waited
# for the agency alone, and a request to the person kept the due date it was opened with.
OPERATOR_ACTIONS_PATCH = "operator-actions-on-steps"
SKIPPED_BY_OPERATOR = "An operator ended this step without the agency's decision."


class _Resubmit:
    """An operator asked for the request to be sent to the agency again."""


RESUBMIT = _Resubmit()

# Ends the reason of a step escalated to operators (the console's incident queue finds it so).
ESCALATED_REASON = "Escalated to operators."


@workflow.defn(name=AGENCY_SERVICE)
class AgencyServiceWorkflow:
    def __init__(self) -> None:
        self._decisions: dict[int, AgencyDecision] = {}
        self._answers: dict[str, str] | None = None
        self._submitted = False
        self._exchanges: list[dict[str, Any]] = []
        # Operators' actions, validated by the journey: on the agency's decision, and on the
        # request to the person.
        self._resolutions: list[StepAction] = []
        self._request_actions: list[StepAction] = []
        self._resends = 0

    @workflow.signal(name=AGENCY_DECISION)
    def agency_decision(self, decision: AgencyDecision) -> None:
        """An agency's later decision. The first per submission counts; replays change nothing."""
        self._decisions.setdefault(decision.round, decision)

    @workflow.signal(name=INFORMATION_PROVIDED)
    def information_provided(self, answer: InformationAnswer) -> None:
        """The person's answers, validated by the journey's update."""
        if self._answers is None:
            self._answers = answer.answers

    @workflow.signal(name=OPERATOR_ACTION)
    def operator_action(self, action: StepAction) -> None:
        """An operator's action, validated by the journey's update; stale ones are dropped when
        the step starts waiting anew."""
        if action.kind in ("resend_request", "extend"):
            self._request_actions.append(action)
        else:
            self._resolutions.append(action)

    @workflow.run
    async def run(self, request: AgencyServiceInput) -> StepOutcome:
        try:
            outcome = await self._serve(request)
            if request.dry_run:
                outcome.exchanges = self._exchanges
        except asyncio.CancelledError:
            # The journey was cancelled: undo what this step did, then end as cancelled.
            done = (
                await calls.undo(
                    request.journey_id, workflow.info().workflow_id, request.service, None
                )
                if self._submitted
                else []
            )
            outcome = StepOutcome(
                state="cancelled",
                outcome="cancelled",
                reasons=["The journey was cancelled."],
                compensations=done,
            )
        if not request.dry_run:  # a dry run is an integrator's test, not a person's step
            metrics.step_ended(
                request.service.service_id,
                request.service.agency_id,
                outcome.state,
                outcome.outcome or outcome.state,
                workflow.now() - workflow.info().start_time,
            )
        return outcome

    async def _serve(self, request: AgencyServiceInput) -> StepOutcome:
        not_eligible = await self._check_eligibility(request)
        if not_eligible is not None:
            return not_eligible
        decided = await self._decide(request)
        if isinstance(decided, StepOutcome):
            return decided  # the step failed before the agency decided
        return await self._conclude(request, decided)

    # --- Eligibility --------------------------------------------------------------------------

    async def _check_eligibility(self, request: AgencyServiceInput) -> StepOutcome | None:
        """None when eligible; else how the step ends (the person is told why)."""
        eligibility = await calls.check_eligibility(request)
        if eligibility.eligible:
            return None
        await self._notify(request, "not_eligible", reasons=eligibility.reasons)
        return StepOutcome(
            state="not_eligible", outcome="not_eligible", reasons=eligibility.reasons
        )

    # --- Deciding: submission rounds until the agency decides ---------------------------------

    async def _decide(self, request: AgencyServiceInput) -> AgencyDecision | StepOutcome:
        """Submit, and submit again with the person's answers for as long as the agency asks for
        more information; the agency's decision, or how the step failed."""
        round_, information = 1, dict[str, str]()
        while True:
            decision = await self._submission_round(request, round_, information)
            if isinstance(decision, _Resubmit):
                round_ += 1  # a new submission: its own idempotency key and callback id
                continue
            if isinstance(decision, StepOutcome):
                return decision
            if decision.decision != "needs_information" or request.dry_run:
                return decision
            answers = await self._ask(request, decision, round_)
            if answers is None:
                reason = "The information asked for was not given before the deadline."
                told = messages.information_not_given(request.language)
                await self._notify(request, "failed", reasons=[told])
                return StepOutcome(
                    state="failed", outcome="information_not_given", reasons=[reason]
                )
            await self._report(
                request,
                StepUpdate(
                    step_id=request.step_id,
                    state="running",
                    closed_request=information_request_id(request.step_id, round_),
                ),
            )
            round_, information = round_ + 1, answers

    async def _submission_round(
        self, request: AgencyServiceInput, round_: int, information: dict[str, str]
    ) -> AgencyDecision | StepOutcome | _Resubmit:
        """Submit once; the agency's decision on it, or how the step failed (or an operator's
        wish to submit again)."""
        agency_request = await calls.prepare_agency_request(request, round_, information)
        self._submitted = True
        self._trace(request, "sent", agency_request.model_dump(mode="json"))
        started = workflow.now()
        try:
            submission = await calls.submit(request, agency_request, round_)
        except ActivityError as error:
            if request.dry_run:
                # What happened, never what the agency wrote: a dry run must not read answers.
                facts = _failure_facts(error)
                self._trace(request, "failed", facts)
                return StepOutcome(
                    state="failed", outcome="submission_failed", reasons=[_failure_summary(facts)]
                )
            reason = _failure_message(error, request.service.retry.maximum_attempts)
            if request.service.delivery.mode != "webhook":
                # A native agency's own words (a webhook's are redacted in its activity).
                reason = redact_text(reason, _sent(agency_request))
            await self._notify(request, "failed", reasons=[reason])
            return StepOutcome(state="failed", outcome="submission_failed", reasons=[reason])

        if submission.decision is not None and request.service.delivery.mode != "webhook":
            # A native agency's answer is redacted here (a webhook's is, in its activity).
            submission = submission.model_copy(
                update={"decision": _redacted(submission.decision, agency_request)}
            )
        if request.dry_run:
            received = submission.model_dump(mode="json")
            if received.get("elapsed_ms") is None:
                received["elapsed_ms"] = _ms_since(started)
            self._trace(request, "received", received)
        # The decision may have come back at once, or by callback before the answer did.
        if submission.decision is not None:
            return submission.decision
        if round_ in self._decisions:
            return _redacted(self._decisions[round_], agency_request)
        return await self._await_decision(request, round_, agency_request)

    async def _await_decision(
        self, request: AgencyServiceInput, round_: int, agency_request: AgencyRequest
    ) -> AgencyDecision | StepOutcome | _Resubmit:
        """Wait for the agency's callback, up to the SLA (then fail, or escalate and go on); an
        operator may meanwhile have it sent again, and, once escalated, record the decision the
        agency gave another way, or end the step."""
        if request.dry_run or not workflow.patched(OPERATOR_ACTIONS_PATCH):
            return await self._await_agency_alone(request, round_, agency_request)
        service = request.service
        self._resolutions.clear()  # taken while the step stood elsewhere: no longer apply
        waiting = StepUpdate(
            step_id=request.step_id, state="waiting_for_agency", takes_operator_actions=True
        )
        await self._report(request, waiting)
        if not await wait_for(lambda: self._acted(round_), service.sla):
            reason = f"{service.agency_name} did not decide within the service's time limit."
            # Counted here too (a metric is no command: replay is unchanged, no patch needed).
            metrics.sla_breached(
                service.service_id,
                service.agency_id,
                "escalated" if service.on_sla == "escalate" else "failed",
            )
            if service.on_sla != "escalate":
                told = messages.agency_timeout(service.agency_name, request.language)
                await self._notify(request, "failed", reasons=[told])
                return StepOutcome(state="failed", outcome="agency_timeout", reasons=[reason])
            escalated = waiting.model_copy(
                update={"reasons": [f"{reason} {ESCALATED_REASON}"], "escalated": True}
            )
            await self._report(request, escalated)
            await workflow.wait_condition(lambda: self._acted(round_))
        if round_ in self._decisions:
            decision = _redacted(self._decisions[round_], agency_request)
            self._trace(request, "callback", decision.model_dump(mode="json"))
            return decision
        action = self._resolutions.pop(0)
        if action.kind == "resubmit":
            await self._report(request, StepUpdate(step_id=request.step_id, state="running"))
            return RESUBMIT
        if action.kind == "decide" and action.decision is not None:
            return action.decision.model_copy(update={"round": round_})
        told = messages.operator_skipped(request.language)
        await self._notify(request, "failed", reasons=[told])
        return StepOutcome(
            state="skipped", outcome="operator_skipped", reasons=[SKIPPED_BY_OPERATOR]
        )

    def _acted(self, round_: int) -> bool:
        """The agency decided this round, or an operator acted."""
        return round_ in self._decisions or bool(self._resolutions)

    async def _await_agency_alone(
        self, request: AgencyServiceInput, round_: int, agency_request: AgencyRequest
    ) -> AgencyDecision | StepOutcome:
        """How steps started before ``OPERATOR_ACTIONS_PATCH`` (and dry runs) wait."""
        service = request.service
        await self._report(request, StepUpdate(step_id=request.step_id, state="waiting_for_agency"))
        if not await wait_for(lambda: round_ in self._decisions, service.sla):
            reason = f"{service.agency_name} did not decide within the service's time limit."
            metrics.sla_breached(
                service.service_id,
                service.agency_id,
                "escalated" if service.on_sla == "escalate" else "failed",
            )
            if service.on_sla != "escalate":
                told = messages.agency_timeout(service.agency_name, request.language)
                await self._notify(request, "failed", reasons=[told])
                return StepOutcome(state="failed", outcome="agency_timeout", reasons=[reason])
            # The service asked for escalation: operators are alerted (the journey is marked
            # escalated in visibility) and the step keeps waiting for the agency.
            await self._report(
                request,
                StepUpdate(
                    step_id=request.step_id,
                    state="waiting_for_agency",
                    reasons=[f"{reason} {ESCALATED_REASON}"],
                    escalated=True,
                ),
            )
            await workflow.wait_condition(lambda: round_ in self._decisions)
        decision = _redacted(self._decisions[round_], agency_request)
        self._trace(request, "callback", decision.model_dump(mode="json"))
        return decision

    async def _ask(
        self, request: AgencyServiceInput, decision: AgencyDecision, round_: int
    ) -> dict[str, str] | None:
        """Ask the person for what the agency needs; remind them until they answer or time is up."""
        service = request.service
        self._answers = None
        operated = workflow.patched(OPERATOR_ACTIONS_PATCH)
        self._request_actions.clear()
        due = workflow.now() + service.information_deadline
        if request.deadline_at is not None:
            due = min(due, request.deadline_at)
        ask = CitizenRequest(
            id=information_request_id(request.step_id, round_),
            kind="information",
            step_id=request.step_id,
            title=service.title,
            requested=decision.requested,
            message=decision.message,
            created_at=workflow.now(),
            due_at=due,
        )
        await self._report(
            request,
            StepUpdate(
                step_id=request.step_id,
                state="waiting_for_citizen",
                request=ask,
                takes_operator_actions=operated,
            ),
        )
        step_workflow = workflow.info().workflow_id
        await self._notify(
            request,
            "information_needed",
            key=information_message_key(step_workflow, round_),
            requested=ask.requested,
            due_at=due,
        )
        reminders = 0
        while self._answers is None:
            remaining = due - workflow.now()
            if remaining <= timedelta(0):
                return None
            if operated:
                woke = await wait_for(
                    lambda: self._answers is not None or bool(self._request_actions),
                    min(service.reminder_every, remaining),
                )
                if self._answers is None and self._request_actions:
                    due = await self._act_on_request(request, ask, round_, due)
                    continue
            else:
                woke = await wait_for(
                    lambda: self._answers is not None, min(service.reminder_every, remaining)
                )
            if woke:
                break
            if workflow.now() < due:
                reminders += 1
                await self._notify(
                    request,
                    "reminder",
                    key=reminder_message_key(step_workflow, round_, reminders),
                    requested=ask.requested,
                    due_at=due,
                )
        return self._answers

    async def _act_on_request(
        self, request: AgencyServiceInput, ask: CitizenRequest, round_: int, due: datetime
    ) -> datetime:
        """Apply operators' actions on the open request; its due date after them."""
        while self._request_actions:
            action = self._request_actions.pop(0)
            if action.kind == "extend" and action.due_at is not None:
                due = action.due_at
            elif action.kind == "resend_request":
                self._resends += 1
                original = information_message_key(workflow.info().workflow_id, round_)
                await self._notify(
                    request,
                    "information_needed",
                    key=resend_message_key(original, self._resends),
                    requested=ask.requested,
                    due_at=due,
                )
        return due

    # --- Concluding: tell the person, and pay where the service pays --------------------------

    async def _conclude(self, request: AgencyServiceInput, decision: AgencyDecision) -> StepOutcome:
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
        paid = calls.pay(request) if request.service.payment else _nothing()
        await asyncio.gather(self._notify(request, "approved", decision=decision), paid)
        return StepOutcome(state="completed", outcome="approved", reference=decision.reference)

    # --- Telling the person and the journey ---------------------------------------------------

    async def _notify(
        self,
        request: AgencyServiceInput,
        outcome: MessageKind,
        *,
        key: str | None = None,
        reasons: list[str] | None = None,
        decision: AgencyDecision | None = None,
        requested: list[str] | None = None,
        due_at: datetime | None = None,
    ) -> None:
        if request.dry_run:
            return  # a dry run tells no one
        message = messages.about_step(
            request,
            outcome,
            key or outcome_message_key(workflow.info().workflow_id),
            reasons=reasons,
            decision=decision,
            requested=requested,
            due_at=due_at,
        )
        await calls.send(message)

    async def _report(self, request: AgencyServiceInput, update: StepUpdate) -> None:
        """Tell the journey where this step stands, so its status query can answer."""
        if request.dry_run:
            return
        parent = workflow.get_external_workflow_handle(request.journey_id)
        await parent.signal(STEP_CHANGED, update)

    def _trace(self, request: AgencyServiceInput, kind: str, content: dict[str, Any]) -> None:
        if request.dry_run:
            self._exchanges.append({"at": workflow.now().isoformat(), kind: content})


def _sent(agency_request: AgencyRequest) -> list[Any]:
    """The person's data in what the agency was sent: what its words must not echo."""
    return [agency_request.data, agency_request.information]


def _redacted(decision: AgencyDecision, agency_request: AgencyRequest) -> AgencyDecision:
    """A decision that did not pass through the webhook activity's redaction (a callback's, a
    native agency's), its message redacted with the data the agency was sent."""
    if not decision.message:
        return decision
    message = redact_text(decision.message, _sent(agency_request))
    return decision.model_copy(update={"message": message})


async def _nothing() -> None:
    return None


_FAILURES = {
    "rejected",
    "unavailable",
    "bad_response",
    "refused",
    "timed_out",
    "tls",
    "connection_lost",
    "protocol",
    "network",
    "unresolved",
    "url_not_allowed",
    "no_secret",
}


def _ms_since(started: datetime) -> int:
    return round((workflow.now() - started).total_seconds() * 1000)


def _failure_facts(error: ActivityError) -> dict[str, Any]:
    """A failed submission as a dry run reports it: the kind of failure, the HTTP status and the
    time the last attempt took (deliver_webhook's details), the error's type — never a message.
    """
    cause: BaseException | None = error.cause
    while isinstance(cause, FailureError) and not isinstance(cause, ApplicationError):
        if isinstance(cause, TemporalTimeout):
            return {"failure": "timed_out", "status": None, "elapsed_ms": None, "type": None}
        cause = cause.cause
    if isinstance(cause, TemporalTimeout):
        return {"failure": "timed_out", "status": None, "elapsed_ms": None, "type": None}
    if not isinstance(cause, ApplicationError):
        return {"failure": "error", "status": None, "elapsed_ms": None, "type": None}
    details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
    failure = details.get("failure")
    status = details.get("status")
    elapsed = details.get("elapsed_ms")
    return {
        "failure": failure if failure in _FAILURES else "error",
        "status": status if isinstance(status, int) and 100 <= status <= 599 else None,
        "elapsed_ms": elapsed if isinstance(elapsed, int) and elapsed >= 0 else None,
        "type": cause.type[:100] if cause.type else None,
    }


def _failure_summary(facts: dict[str, Any]) -> str:
    """The dry run's reason: our words, from the facts only."""
    status, failure = facts["status"], facts["failure"]
    match failure:
        case "rejected":
            return f"The agency refused the request ({status})."
        case "unavailable":
            return f"The agency was unavailable ({status})."
        case "bad_response":
            return f"The agency answered {status} without a valid decision."
        case "url_not_allowed":
            return "The agency's URL is not allowed."
        case "unresolved":
            return "The agency's host name does not resolve."
        case "no_secret":
            return "The agency has no signing secret."
        case "error":
            return f"The submission failed ({facts['type'] or 'error'})."
    return f"The agency could not be reached ({failure.replace('_', ' ')})."


_WILL_RETRY = "; will retry"


def _failure_message(error: ActivityError, attempts: int) -> str:
    """The agency's own words where there are some (the innermost application error). The last
    attempt's message may say it will be retried: by now it will not, and the reason says so."""
    cause: BaseException | None = error.cause
    while isinstance(cause, FailureError) and not isinstance(cause, ApplicationError):
        cause = cause.cause
    message = cause.message if isinstance(cause, ApplicationError) else str(error)
    if message.endswith(_WILL_RETRY):
        message = message.removesuffix(_WILL_RETRY)
        if error.retry_state == RetryState.MAXIMUM_ATTEMPTS_REACHED:
            message += f"; the submission failed after {attempts} attempts"
        else:
            message += "; the submission failed"
    return message
