"""Where a journey stands, and the one place that writes it.

Pure bookkeeping, no Temporal: the clock is passed in and every change of the journey's state
is reported to ``on_state``, so the workflow decides what to do with it (it upserts the
``JourneyState`` search attribute, a command in its history: changes are reported exactly when
they happen, never batched or repeated).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from core.ids import CONFIRMATION_REQUEST, IDENTITY_STEP
from core.models import (
    FINAL_STEP_STATES,
    CitizenRequest,
    JourneyPlan,
    JourneyState,
    JourneyStatus,
    StepOutcome,
    StepOutcomeCode,
    StepState,
    StepStatus,
    StepUpdate,
)

RequestEnd = Literal["answered", "expired", "cancelled"]
# Ends that are answers, not problems: "not eligible" and "you chose not to share".
_CLEAN_OUTCOMES = ("consent_refused", "not_chosen")


def service_deadline(plan: JourneyPlan, service_id: str) -> datetime | None:
    """The earliest legal deadline a service is bound by, if any."""
    dates = [d.due_at for d in plan.deadlines if service_id in d.services]
    return min(dates) if dates else None


class JourneyStatusTracker:
    """Owns a journey's ``JourneyStatus``: its steps, its requests to the person, its state."""

    def __init__(
        self,
        status: JourneyStatus,
        *,
        clock: Callable[[], datetime],
        on_state: Callable[[JourneyState], None],
    ) -> None:
        self._status = status
        self._clock = clock
        self._on_state = on_state
        self._completed: list[str] = []

    @classmethod
    def for_plan(
        cls,
        plan: JourneyPlan,
        started: datetime,
        *,
        clock: Callable[[], datetime],
        on_state: Callable[[JourneyState], None],
    ) -> "JourneyStatusTracker":
        """Every step pending; a proactive journey starts waiting for the person to confirm."""
        status = JourneyStatus(
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
                        deadline_at=service_deadline(plan, service.service_id),
                    )
                    for service in plan.services
                ),
            ],
        )
        if plan.proactive:
            status.requests.append(
                CitizenRequest(
                    id=CONFIRMATION_REQUEST,
                    kind="confirmation",
                    step_id=IDENTITY_STEP,
                    title=plan.proactive.life_event_title,
                    created_at=started,
                    due_at=plan.proactive.due_at,
                )
            )
            # The journey was started in this state (a start search attribute): not a change.
            status.state = "waiting_for_citizen"
        return cls(status, clock=clock, on_state=on_state)

    @classmethod
    def initial_status(cls, plan: JourneyPlan, started: datetime) -> JourneyStatus:
        """Where a journey stands before any of it has run (what the API answers for a journey
        no worker has reached yet)."""
        return cls.for_plan(plan, started, clock=lambda: started, on_state=lambda _: None).status

    # --- Reading ------------------------------------------------------------------------------

    @property
    def status(self) -> JourneyStatus:
        return self._status

    @property
    def over(self) -> bool:
        return self._status.completed_at is not None

    @property
    def completed_order(self) -> list[str]:
        """The services that completed, in the order they did (compensation runs it backwards)."""
        return list(self._completed)

    def step(self, step_id: str) -> StepStatus:
        return next(step for step in self._status.steps if step.id == step_id)

    def request(self, request_id: str) -> CitizenRequest | None:
        return next((r for r in self._status.requests if r.id == request_id), None)

    def is_final(self, step_id: str) -> bool:
        return self.step(step_id).state in FINAL_STEP_STATES

    def approved(self, step_id: str) -> bool:
        step = self.step(step_id)
        return step.state == "completed" and step.outcome == "approved"

    # --- Steps --------------------------------------------------------------------------------

    def update(self, update: StepUpdate, *, final: bool = False) -> None:
        """Apply where a step stands; only a final write may touch a step that has ended."""
        step = self.step(update.step_id)
        if step.state in FINAL_STEP_STATES and not final:
            return  # a late report never reopens a finished step
        step.state = update.state
        step.updated_at = self._clock()
        step.outcome = update.outcome or step.outcome
        step.reasons = update.reasons or step.reasons
        step.reference = update.reference or step.reference
        step.escalated = step.escalated or update.escalated
        self.refresh_state()

    def end(
        self,
        step_id: str,
        state: StepState,
        reason: str,
        outcome: StepOutcomeCode | None = None,
    ) -> None:
        """End a step that never ran (or could not go on) for one reason."""
        update = StepUpdate(step_id=step_id, state=state, reasons=[reason], outcome=outcome)
        self.update(update, final=True)

    def step_finished(self, step_id: str, outcome: StepOutcome) -> None:
        """A step's workflow returned: record how it ended and settle its open requests."""
        self.update(
            StepUpdate(
                step_id=step_id,
                state=outcome.state,
                outcome=outcome.outcome,
                reasons=outcome.reasons,
                reference=outcome.reference,
            ),
            final=True,
        )
        self.step(step_id).compensations = outcome.compensations
        self.step(step_id).escalated = False
        for item in self._status.requests:
            if item.step_id == step_id and item.state == "open":
                item.state = "answered" if outcome.state == "completed" else "expired"
        self.refresh_state()
        if outcome.state == "completed":
            self._completed.append(step_id)

    def escalation_resolved(self, step_id: str) -> None:
        """An operator acted on an escalated step: it is no longer waiting for them."""
        step = self.step(step_id)
        step.escalated = False
        step.updated_at = self._clock()

    def extend_request(self, request_id: str, due_at: datetime) -> None:
        """An operator gave the person until ``due_at`` to answer an open request."""
        request = self.request(request_id)
        assert request is not None and request.state == "open"
        request.due_at = due_at

    def compensated(self, step_id: str, done: list[str]) -> None:
        """A completed step was undone on cancellation."""
        step = self.step(step_id)
        step.compensations = done
        step.state = "cancelled"
        step.updated_at = self._clock()

    # --- Requests to the person ---------------------------------------------------------------

    def open_request(self, request: CitizenRequest) -> None:
        """Add a request; the journey's state follows with the step update that comes with it."""
        self._status.requests.append(request)

    def close_request(self, request_id: str, state: RequestEnd) -> None:
        for request in self._status.requests:
            if request.id == request_id and request.state == "open":
                request.state = state
        self.refresh_state()

    def cancel_open_requests(self) -> None:
        """The journey is being cancelled; its state follows when the steps report."""
        for item in self._status.requests:
            if item.state == "open":
                item.state = "cancelled"

    # --- The journey --------------------------------------------------------------------------

    def refresh_state(self) -> None:
        """Running, or waiting for the person while any request to them is open."""
        if self.over:
            return
        waiting = any(r.state == "open" for r in self._status.requests)
        self._set_state("waiting_for_citizen" if waiting else "running")

    def final_state(self) -> JourneyState:
        clean = all(
            (step.state in ("completed", "not_eligible") and step.outcome != "rejected")
            or step.outcome in _CLEAN_OUTCOMES
            for step in self._status.steps
        )
        return "completed" if clean else "completed_with_issues"

    def finish(self, state: JourneyState) -> JourneyStatus:
        self._status.completed_at = self._clock()
        self._set_state(state)
        return self._status

    def _set_state(self, state: JourneyState) -> None:
        if self._status.state != state:
            self._status.state = state
            self._on_state(state)
