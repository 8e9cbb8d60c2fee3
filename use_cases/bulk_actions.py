"""Bulk actions: one operator's action on every journey a filter matches, only after a preview.

The filter is the journeys search's (use_cases/journey_search.py), every field of it. The
preview answers how many journeys the filter matches, the exact visibility query, and a token
that binds the operator, the filter (its canonical JSON), the moment the query was made for,
the action and that count (HMAC under APP_SECRET, valid ``PREVIEW_VALID_FOR``). Execution
re-derives the identical query from the filter and that moment (so "waiting more than N days"
means what the preview counted), and needs the token and the count it confirmed: if either
does not match, or the filter matches another number of journeys by now, nothing is done
(409). Journeys are then processed one at a time, the oldest started first, each through the
same validated workflow update as the single action, with an outcome per journey (applied, or
refused with the journey's reason); each applied one is audited, and the batch as a whole.
"""

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from core import audit
from core.ids import sign, unsign
from core.models import CancelRequest, EscalationResolution, Resubmission
from core.models.operator import Reason, ResolutionAction, StepId
from core.settings import Settings
from use_cases.errors import BulkNotConfirmed, JourneyNotFound, UpdateRefused
from use_cases.gateway import TemporalGateway
from use_cases.journey_search import JourneyFilter

# At most this many journeys per bulk action: more is a narrower filter, or several batches.
MAX_BULK_JOURNEYS = 100
PREVIEW_VALID_FOR = 15 * 60  # seconds
_PURPOSE = "bulk-action"


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
    at: datetime = Field(
        description="The moment the query was made for (`waiting_days` counts back from it); "
        "the execution uses the same"
    )
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


def _bound(
    operator: str, journey_filter: JourneyFilter, action: BulkAction, count: int, at: int
) -> list[Any]:
    return [operator, journey_filter.canonical_json(), action.model_dump(), count, at]


def _moment(at: int) -> datetime:
    return datetime.fromtimestamp(at, UTC)


async def preview(
    gateway: TemporalGateway, settings: Settings, operator: str, request: BulkPreviewRequest
) -> BulkPreview:
    at = int(time.time())
    query = request.filter.visibility_query(_moment(at))
    count = await gateway.count_journeys(query)
    found = {"count": count, "query": query, "at": _moment(at)}
    if count == 0:
        return BulkPreview(**found, token=None, detail="No journey matches")
    if count > MAX_BULK_JOURNEYS:
        detail = f"{count} journeys match, more than {MAX_BULK_JOURNEYS}: narrow the filter"
        return BulkPreview(**found, token=None, detail=detail)
    expires = at + PREVIEW_VALID_FOR
    bound = json.dumps([_bound(operator, request.filter, request.action, count, at), expires])
    return BulkPreview(
        **found,
        token=sign(settings.app_secret, _PURPOSE, bound),
        detail=f"{count} journeys match; execute within {PREVIEW_VALID_FOR // 60} minutes",
    )


def _confirmed_moment(settings: Settings, operator: str, request: BulkExecution) -> datetime:
    """The moment the preview made its query for, once the token confirms this operator,
    filter, action and count, and has not expired."""
    value = unsign(settings.app_secret, _PURPOSE, request.token)
    bound: Any = None
    expires: Any = None
    try:
        bound, expires = json.loads(value) if value is not None else (None, None)
        at = bound[-1] if isinstance(bound, list) and bound else None
    except (ValueError, TypeError):
        at = None
    if not isinstance(at, int) or bound != _bound(
        operator, request.filter, request.action, request.count, at
    ):
        raise BulkNotConfirmed(
            "This token does not confirm this filter, action and count for you: preview again"
        )
    if not isinstance(expires, int) or expires < time.time():
        raise BulkNotConfirmed("The preview has expired: preview again")
    return _moment(at)


async def execute(
    gateway: TemporalGateway,
    settings: Settings,
    session: Session,
    operator: str,
    request: BulkExecution,
) -> BulkResult:
    query = request.filter.visibility_query(_confirmed_moment(settings, operator, request))
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
