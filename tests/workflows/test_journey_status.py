"""The journey's status bookkeeping, without Temporal: a clock and a list of reported states."""

from datetime import UTC, datetime, timedelta

import pytest

from core.ids import CONFIRMATION_REQUEST, IDENTITY_STEP
from core.models import (
    CitizenRequest,
    DeadlinePlan,
    JourneyPlan,
    JourneyState,
    LocalizedText,
    ProactiveOffer,
    StepOutcome,
    StepUpdate,
)
from tests.workflows.fakes import INTAKE, service_plan
from workflows.journey_status import JourneyStatusTracker, service_deadline

STARTED = datetime(2026, 11, 23, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = STARTED

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def _plan(*service_ids: str, proactive: bool = False) -> JourneyPlan:
    return JourneyPlan(
        journey_id="j-1",
        life_event="birth",
        definition_version=1,
        language="en",
        intake=INTAKE,
        services=[service_plan(sid) for sid in service_ids],
        callback_base_url="http://127.0.0.1:8000",
        deadlines=[
            DeadlinePlan(
                id="register",
                title=LocalizedText(en="Register", fr="Enregistrer"),
                due_at=STARTED + timedelta(days=30),
                services=["a"],
            )
        ],
        proactive=ProactiveOffer(
            event_type="birth",
            event_source="registry",
            due_at=STARTED + timedelta(days=7),
            life_event_title=LocalizedText(en="Birth", fr="Naissance"),
        )
        if proactive
        else None,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def states() -> list[JourneyState]:
    return []


def _tracker(
    clock: Clock, states: list[JourneyState], *service_ids: str, proactive: bool = False
) -> JourneyStatusTracker:
    return JourneyStatusTracker.for_plan(
        _plan(*service_ids, proactive=proactive), STARTED, clock=clock, on_state=states.append
    )


def _information(step_id: str) -> CitizenRequest:
    return CitizenRequest(
        id=f"{step_id}/information/1", kind="information", step_id=step_id, created_at=STARTED
    )


def _state(tracker: JourneyStatusTracker) -> JourneyState:
    """Read afresh (mypy would otherwise keep the state narrowed by an earlier assert)."""
    return tracker.status.state


def _request(tracker: JourneyStatusTracker, request_id: str) -> CitizenRequest:
    request = tracker.request(request_id)
    assert request is not None
    return request


def test_a_new_journey_has_every_step_pending_and_its_deadlines(
    clock: Clock, states: list[JourneyState]
) -> None:
    tracker = _tracker(clock, states, "a", "b")
    assert [s.id for s in tracker.status.steps] == [IDENTITY_STEP, "a", "b"]
    assert {s.state for s in tracker.status.steps} == {"pending"}
    assert tracker.step("a").deadline_at == STARTED + timedelta(days=30)
    assert tracker.step("b").deadline_at is None
    assert service_deadline(_plan("a"), "a") == STARTED + timedelta(days=30)
    assert _state(tracker) == "running"
    assert states == []


def test_a_proactive_journey_starts_waiting_without_reporting_a_change(
    clock: Clock, states: list[JourneyState]
) -> None:
    tracker = _tracker(clock, states, "a", proactive=True)
    assert _state(tracker) == "waiting_for_citizen"
    assert tracker.request(CONFIRMATION_REQUEST) is not None
    assert states == []  # the journey was started with this state

    tracker.close_request(CONFIRMATION_REQUEST, "answered")
    assert _state(tracker) == "running"
    assert states == ["running"]


def test_a_final_step_never_reopens_from_a_late_report(
    clock: Clock, states: list[JourneyState]
) -> None:
    tracker = _tracker(clock, states, "a")
    tracker.update(StepUpdate(step_id="a", state="running"))
    ended = clock.tick()
    tracker.step_finished("a", StepOutcome(state="completed", outcome="approved", reference="R"))

    clock.tick()
    tracker.update(StepUpdate(step_id="a", state="waiting_for_agency", reasons=["late"]))

    step = tracker.step("a")
    assert (step.state, step.outcome, step.reference) == ("completed", "approved", "R")
    assert step.reasons == []
    assert step.updated_at == ended
    assert tracker.approved("a")


def test_a_final_write_may_end_a_step_again(clock: Clock, states: list[JourneyState]) -> None:
    tracker = _tracker(clock, states, "a")
    tracker.end("a", "skipped", "Not chosen.", outcome="not_chosen")
    tracker.end("a", "cancelled", "The journey was cancelled.")
    step = tracker.step("a")
    # Outcome and reference survive a write that does not set them; reasons are replaced.
    assert (step.state, step.outcome, step.reasons) == (
        "cancelled",
        "not_chosen",
        ["The journey was cancelled."],
    )


def test_the_journey_waits_for_the_citizen_while_a_request_is_open(
    clock: Clock, states: list[JourneyState]
) -> None:
    tracker = _tracker(clock, states, "a")
    tracker.update(StepUpdate(step_id="a", state="running"))
    assert states == []  # already running: nothing to report

    tracker.open_request(_information("a"))
    tracker.update(StepUpdate(step_id="a", state="waiting_for_citizen"))
    assert _state(tracker) == "waiting_for_citizen"

    tracker.close_request("a/information/1", "answered")
    assert _state(tracker) == "running"
    assert tracker.request("a/information/1") == _information("a").model_copy(
        update={"state": "answered"}
    )
    assert states == ["waiting_for_citizen", "running"]


def test_a_finished_step_settles_its_open_requests(
    clock: Clock, states: list[JourneyState]
) -> None:
    tracker = _tracker(clock, states, "a", "b")
    tracker.open_request(_information("a"))
    tracker.open_request(_information("b"))
    tracker.update(StepUpdate(step_id="a", state="waiting_for_citizen"))

    tracker.step_finished("a", StepOutcome(state="failed", outcome="information_not_given"))
    assert _request(tracker, "a/information/1").state == "expired"
    assert _state(tracker) == "waiting_for_citizen"  # b still asks

    tracker.step_finished("b", StepOutcome(state="completed", outcome="approved"))
    assert _request(tracker, "b/information/1").state == "answered"
    assert _state(tracker) == "running"
    assert tracker.completed_order == ["b"]


@pytest.mark.parametrize(
    ("outcome", "final"),
    [
        (StepOutcome(state="completed", outcome="approved"), "completed"),
        (StepOutcome(state="not_eligible", outcome="not_eligible"), "completed"),
        (StepOutcome(state="skipped", outcome="consent_refused"), "completed"),
        (StepOutcome(state="skipped", outcome="not_chosen"), "completed"),
        (StepOutcome(state="completed", outcome="rejected"), "completed_with_issues"),
        (StepOutcome(state="failed", outcome="agency_timeout"), "completed_with_issues"),
        (StepOutcome(state="skipped"), "completed_with_issues"),
    ],
)
def test_the_final_state_says_whether_anything_went_wrong(
    clock: Clock, states: list[JourneyState], outcome: StepOutcome, final: JourneyState
) -> None:
    tracker = _tracker(clock, states, "a", "b")
    tracker.update(StepUpdate(step_id=IDENTITY_STEP, state="completed", outcome="verified"))
    tracker.step_finished("a", StepOutcome(state="completed", outcome="approved"))
    tracker.step_finished("b", outcome)
    assert tracker.final_state() == final


def test_nothing_changes_after_the_journey_is_finished(
    clock: Clock, states: list[JourneyState]
) -> None:
    tracker = _tracker(clock, states, "a")
    tracker.open_request(_information("a"))
    finished_at = clock.tick()
    status = tracker.finish("cancelled")
    assert (status.state, status.completed_at, tracker.over) == ("cancelled", finished_at, True)
    assert states == ["cancelled"]

    clock.tick()
    tracker.close_request("a/information/1", "expired")
    tracker.update(StepUpdate(step_id="a", state="running"))
    assert _state(tracker) == "cancelled"
    assert states == ["cancelled"]


def test_compensation_marks_a_completed_step_cancelled(
    clock: Clock, states: list[JourneyState]
) -> None:
    tracker = _tracker(clock, states, "a")
    tracker.step_finished("a", StepOutcome(state="completed", outcome="approved"))
    undone_at = clock.tick()
    tracker.compensated("a", ["payment_reversed", "withdrawn"])
    step = tracker.step("a")
    assert (step.state, step.compensations, step.updated_at) == (
        "cancelled",
        ["payment_reversed", "withdrawn"],
        undone_at,
    )


def test_cancelling_closes_open_requests(clock: Clock, states: list[JourneyState]) -> None:
    tracker = _tracker(clock, states, "a", proactive=True)
    tracker.cancel_open_requests()
    assert _request(tracker, CONFIRMATION_REQUEST).state == "cancelled"
