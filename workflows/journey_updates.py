"""What the person tells a running journey: confirm an offer, consent, answer, cancel.

Each is an update whose validator refuses it before anything is written to history. They are a
mixin of ``LifeEventJourney`` (``workflows/journey.py``), which owns the attributes declared here.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar, cast

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from core.ids import CONFIRMATION_REQUEST, consent_request_id
    from core.models import (
        CancelRequest,
        CitizenRequest,
        Confirmation,
        ConsentAnswer,
        InformationAnswer,
        JourneyPlan,
        JourneyStatus,
        ServicePlan,
        StepOutcome,
        StepStatus,
    )
    from workflows import calls
    from workflows.agency_service import AgencyServiceWorkflow
    from workflows.journey_status import JourneyStatusTracker
    from workflows.names import CANCEL, CONFIRM, GIVE_CONSENT, PROVIDE_INFORMATION

P = ParamSpec("P")
R = TypeVar("R")

# Before this patch, consent changes sent together for one service were recorded concurrently.
SERIAL_CONSENT_PATCH = "consent-changes-one-at-a-time"


@dataclass
class _ConsentTurns:
    """The consent changes of one service, recorded and applied one at a time, in order."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    queued: int = 0  # accepted and not yet applied


def async_update(
    name: str,
) -> Callable[[Callable[P, Awaitable[R]]], workflow.UpdateMethodMultiParam[P, R]]:
    """``workflow.update(name=...)`` for an ``async`` handler, typed as the bare decorator types
    it: temporalio's overload with ``name`` leaves the coroutine in the result type, so clients
    awaiting ``execute_update`` would be told they get a coroutine."""
    return cast(
        Callable[[Callable[P, Awaitable[R]]], workflow.UpdateMethodMultiParam[P, R]],
        workflow.update(name=name),
    )


class CitizenUpdates:
    """The journey's update handlers and their validators."""

    _plan: JourneyPlan
    _services: dict[str, ServicePlan]
    _tracker: JourneyStatusTracker
    _consent: dict[str, bool | None]
    _consent_changing: set[str]
    _children: dict[str, workflow.ChildWorkflowHandle[AgencyServiceWorkflow, StepOutcome]]
    _cancel: CancelRequest | None
    _chosen: set[str] | None

    @workflow.update(name=CONFIRM)
    def confirm(self, answer: Confirmation) -> JourneyStatus:
        """The person offered a proactive journey confirms who they are and what should run."""
        self._plan.intake["informant"] = answer.informant
        self._chosen = set(answer.services)
        for service_id in answer.services:
            if service_id in answer.consents:
                self._consent[service_id] = True
        self._tracker.close_request(CONFIRMATION_REQUEST, "answered")
        return self._tracker.status

    @confirm.validator
    def _validate_confirmation(self, answer: Confirmation) -> None:
        self._refuse_if_over()
        if self._plan.proactive is None or self._chosen is not None:
            raise ValueError("This journey has nothing to confirm")
        unknown = sorted(set(answer.services) - set(self._services))
        if unknown:
            raise ValueError(f"Not services of this journey: {unknown}")
        stray = sorted(set(answer.consents) - set(answer.services))
        if stray:
            raise ValueError(f"Consents for services not chosen: {stray}")
        for service_id in answer.services:
            missing = [n for n in self._services[service_id].needs if n not in answer.services]
            if missing:
                raise ValueError(f"'{service_id}' needs {missing}: choose them too")

    @async_update(GIVE_CONSENT)
    async def give_consent(self, answer: ConsentAnswer) -> StepStatus:
        """Give, refuse or withdraw consent for a service that has not received any data yet.

        Changes for one service are serial: each is recorded, then applied, before the next
        begins, and the step's consent gate (which waits while ``_consent_changing`` holds the
        service) opens only once every accepted change is applied. So the last consent on
        record is the one that decides whether the agency receives the data."""
        if not workflow.patched(SERIAL_CONSENT_PATCH):
            return await self._give_consent_unserialised(answer)
        sid = answer.service_id
        turns = self._consent_turns(sid)
        # Accepted by the validator, so the step has not started: hold its gate from now on.
        turns.queued += 1
        self._consent_changing.add(sid)
        try:
            async with turns.lock:
                if self._received_data(sid):  # cannot happen while the gate is held; be sure
                    raise ApplicationError(f"'{sid}' has already received your data")
                await calls.record_consent(
                    calls.consent_record(
                        self._plan.journey_id,
                        self._services[sid],
                        given=answer.given,
                        source="citizen",
                    )
                )
                self._consent[sid] = answer.given
                self._tracker.close_request(consent_request_id(sid), "answered")
        finally:
            turns.queued -= 1
            if not turns.queued:
                self._consent_changing.discard(sid)
        return self._tracker.step(sid)

    def _consent_turns(self, service_id: str) -> _ConsentTurns:
        # Kept by the mixin itself (created on first use): only consent changes use it.
        turns: dict[str, _ConsentTurns] = vars(self).setdefault("_consent_turns_by_service", {})
        return turns.setdefault(service_id, _ConsentTurns())

    def _received_data(self, service_id: str) -> bool:
        """Whether the step has started (and so may have sent the person's data)."""
        return service_id in self._children or self._tracker.step(service_id).state not in (
            "pending",
            "waiting_for_citizen",
        )

    async def _give_consent_unserialised(self, answer: ConsentAnswer) -> StepStatus:
        """How a journey whose history took consent changes before ``SERIAL_CONSENT_PATCH``
        replays them (concurrently)."""
        service = self._services[answer.service_id]
        # The step's consent gate waits while this is recorded, so it never acts on a consent
        # that is not on record yet.
        self._consent_changing.add(service.service_id)
        try:
            await calls.record_consent(
                calls.consent_record(
                    self._plan.journey_id, service, given=answer.given, source="citizen"
                )
            )
            self._consent[service.service_id] = answer.given
            self._tracker.close_request(consent_request_id(service.service_id), "answered")
        finally:
            self._consent_changing.discard(service.service_id)
        return self._tracker.step(service.service_id)

    @give_consent.validator
    def _validate_consent(self, answer: ConsentAnswer) -> None:
        self._refuse_if_over()
        if answer.service_id not in self._services:
            raise ValueError(f"'{answer.service_id}' is not a service of this journey")
        if self._received_data(answer.service_id):
            raise ValueError(f"'{answer.service_id}' has already received your data")
        if not self._services[answer.service_id].fields:
            raise ValueError(f"'{answer.service_id}' receives no personal data")

    @async_update(PROVIDE_INFORMATION)
    async def provide_information(self, answer: InformationAnswer) -> CitizenRequest:
        """Answer what an agency asked; the waiting step resubmits with the answers."""
        request = self._tracker.request(answer.request_id)
        assert request is not None  # the validator let only open requests through
        await self._children[request.step_id].signal(
            AgencyServiceWorkflow.information_provided, answer
        )
        self._tracker.close_request(request.id, "answered")
        return request

    @provide_information.validator
    def _validate_information(self, answer: InformationAnswer) -> None:
        self._refuse_if_over()
        request = self._tracker.request(answer.request_id)
        if request is None or request.kind != "information":
            raise ValueError(f"No request for information '{answer.request_id}'")
        if request.state != "open":
            raise ValueError(f"Request '{answer.request_id}' is {request.state}")
        missing = sorted(set(request.requested) - set(answer.answers))
        unexpected = sorted(set(answer.answers) - set(request.requested))
        if missing or unexpected:
            raise ValueError(
                f"Answer exactly what was asked: missing {missing}, not asked {unexpected}"
            )

    @async_update(CANCEL)
    async def cancel(self, request: CancelRequest) -> JourneyStatus:
        """Stop what has not run; undo, in reverse order, what has (where the service can)."""
        self._begin_cancel(request)
        return self._tracker.status

    def _begin_cancel(self, request: CancelRequest) -> None:
        """Cancel the journey (the person's wish, or an operator's): the run compensates."""
        self._cancel = request
        for service_id, child in self._children.items():
            if not self._tracker.is_final(service_id):
                child.cancel()
        self._tracker.cancel_open_requests()

    @cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        self._refuse_if_over()

    def _refuse_if_over(self) -> None:
        if self._tracker.over:
            raise ValueError(f"The journey is over ({self._tracker.status.state})")
        if self._cancel is not None:
            raise ValueError("The journey is being cancelled")
