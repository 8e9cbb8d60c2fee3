"""Bulk actions: one operator's action on every journey a filter matches, only after a preview.

The preview answers how many journeys the filter matches, the exact visibility query, and a
token that binds the operator, the query, the action and that count (HMAC under APP_SECRET,
valid ``PREVIEW_VALID_FOR``). Executing needs the token and the count it confirmed: if either
does not match, or the filter matches another number of journeys by now, nothing is done
(409). Journeys are then processed one at a time, the oldest started first, each through the
same validated workflow update as the single action, with an outcome per journey (applied, or
refused with the journey's reason); each applied one is audited, and the batch as a whole.
"""

import json
import time
import uuid
from typing import Annotated, Any, Literal

from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from api.errors import BulkNotConfirmed, JourneyNotFound, UpdateRefused
from api.gateway import TemporalGateway, journey_query
from lifeevents import audit
from lifeevents.ids import sign, unsign
from lifeevents.models import CancelRequest, EscalationResolution, JourneyState, Resubmission
from lifeevents.models.operator import Reason, ResolutionAction, StepId
from lifeevents.settings import Settings

# At most this many journeys per bulk action: more is a narrower filter, or several batches.
MAX_BULK_JOURNEYS = 100
PREVIEW_VALID_FOR = 15 * 60  # seconds
_PURPOSE = "bulk-action"
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{0,99}$")]


class JourneyFilter(BaseModel):
    """The filters of ``GET /v1/journeys``."""

    model_config = ConfigDict(extra="forbid")

    life_event: Code | None = None
    state: JourneyState | None = None
    agency: Code | None = None
    escalated: bool | None = None

    def query(self) -> str:
        return journey_query(
            life_event=self.life_event,
            state=self.state,
            agency=self.agency,
            escalated=self.escalated,
        )


class BulkCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["cancel"]


class BulkResubmit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["resubmit"]
    step_id: StepId


class BulkResolution(BaseModel):
    """Resolve the same escalated step of each journey the same way (not ``cancel_journey``:
    that is the ``cancel`` action)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["resolve_escalation"]
    step_id: StepId
    action: Literal["resubmit", "record_decision", "skip"]
    decision: Literal["approved", "rejected"] | None = None


BulkAction = Annotated[BulkCancel | BulkResubmit | BulkResolution, Field(discriminator="kind")]
_EXAMPLE: dict[str, Any] = {
    "filter": {"agency": "health", "escalated": True},
    "action": {
        "kind": "resolve_escalation",
        "step_id": "health.child-health-card",
        "action": "resubmit",
    },
}


class BulkPreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    filter: JourneyFilter = Field(default_factory=JourneyFilter)
    action: BulkAction


class BulkPreview(BaseModel):
    count: int = Field(description="How many journeys the filter matches now")
    query: str = Field(description="The exact visibility query (Temporal UI, `temporal` CLI)")
    max: int = MAX_BULK_JOURNEYS
    token: str | None = Field(
        description="Send it back with `count` to execute; null when nothing matches or more "
        f"than {MAX_BULK_JOURNEYS} do"
    )
    detail: str


class BulkExecution(BulkPreviewRequest):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    **_EXAMPLE,
                    "reason": "Health restored its intake queue (incident 88)",
                    "count": 12,
                    "token": "…",
                }
            ]
        },
    )

    reason: Reason
    count: int = Field(ge=1, le=MAX_BULK_JOURNEYS, description="The preview's count, confirmed")
    token: str = Field(min_length=1, max_length=2000)


class JourneyOutcome(BaseModel):
    journey_id: str
    outcome: Literal["applied", "refused"]
    detail: str | None = None


class BulkResult(BaseModel):
    query: str
    count: int
    applied: int
    refused: int
    outcomes: list[JourneyOutcome]


def _bound(operator: str, query: str, action: BulkAction, count: int) -> str:
    return json.dumps([operator, query, action.model_dump(), count], separators=(",", ":"))


async def preview(
    gateway: TemporalGateway, settings: Settings, operator: str, request: BulkPreviewRequest
) -> BulkPreview:
    query = request.filter.query()
    count = await gateway.count_journeys(query)
    if count == 0:
        return BulkPreview(count=0, query=query, token=None, detail="No journey matches")
    if count > MAX_BULK_JOURNEYS:
        detail = f"{count} journeys match, more than {MAX_BULK_JOURNEYS}: narrow the filter"
        return BulkPreview(count=count, query=query, token=None, detail=detail)
    expires = int(time.time()) + PREVIEW_VALID_FOR
    bound = json.dumps([_bound(operator, query, request.action, count), expires])
    return BulkPreview(
        count=count,
        query=query,
        token=sign(settings.app_secret, _PURPOSE, bound),
        detail=f"{count} journeys match; execute within {PREVIEW_VALID_FOR // 60} minutes",
    )


def _check_token(settings: Settings, operator: str, query: str, request: BulkExecution) -> None:
    value = unsign(settings.app_secret, _PURPOSE, request.token)
    try:
        bound, expires = json.loads(value) if value is not None else (None, 0)
    except (ValueError, TypeError):
        bound, expires = None, 0
    if bound != _bound(operator, query, request.action, request.count):
        raise BulkNotConfirmed(
            "This token does not confirm this filter, action and count for you: preview again"
        )
    if not isinstance(expires, int) or expires < time.time():
        raise BulkNotConfirmed("The preview has expired: preview again")


async def execute(
    gateway: TemporalGateway,
    settings: Settings,
    session: Session,
    operator: str,
    request: BulkExecution,
) -> BulkResult:
    query = request.filter.query()
    _check_token(settings, operator, query, request)
    journeys = await gateway.matching_journeys(query, MAX_BULK_JOURNEYS + 1)
    if len(journeys) != request.count:
        raise BulkNotConfirmed(
            f"The filter now matches {len(journeys)} journeys, not {request.count}: preview again"
        )
    batch = str(uuid.uuid4())
    outcomes: list[JourneyOutcome] = []
    for journey in journeys:
        try:
            action_name, detail = await _apply(gateway, journey.journey_id, request)
        except (UpdateRefused, JourneyNotFound) as refused:
            why = refused.message if isinstance(refused, UpdateRefused) else "No such journey"
            outcomes.append(
                JourneyOutcome(journey_id=journey.journey_id, outcome="refused", detail=why)
            )
            continue
        outcomes.append(JourneyOutcome(journey_id=journey.journey_id, outcome="applied"))
        entry = {**detail, "reason": request.reason, "bulk": batch}
        await run_in_threadpool(
            audit.append,
            session,
            actor=operator,
            action=action_name,
            journey_id=journey.journey_id,
            detail=entry,
        )
    applied = sum(1 for o in outcomes if o.outcome == "applied")
    summary = {
        "bulk": batch,
        "query": query,
        "action": request.action.model_dump(),
        "reason": request.reason,
        "count": len(journeys),
        "applied": applied,
    }
    await run_in_threadpool(
        lambda: audit.append(session, actor=operator, action="bulk_action", detail=summary)
    )
    return BulkResult(
        query=query,
        count=len(journeys),
        applied=applied,
        refused=len(outcomes) - applied,
        outcomes=outcomes,
    )


async def _apply(
    gateway: TemporalGateway, journey_id: str, request: BulkExecution
) -> tuple[str, dict[str, Any]]:
    """Apply the action to one journey; the audit entry's action and detail."""
    action = request.action
    if isinstance(action, BulkCancel):
        await gateway.cancel(journey_id, CancelRequest(reason=request.reason))
        return "journey_cancelled", {}
    if isinstance(action, BulkResubmit):
        await gateway.resubmit(
            journey_id, Resubmission(step_id=action.step_id, reason=request.reason)
        )
        return "step_resubmitted", {"step_id": action.step_id}
    how: ResolutionAction = action.action
    resolution = EscalationResolution(
        step_id=action.step_id, action=how, decision=action.decision, reason=request.reason
    )
    await gateway.resolve_escalation(journey_id, resolution)
    return "escalation_resolved", resolution.model_dump(exclude_none=True, exclude={"reason"})
