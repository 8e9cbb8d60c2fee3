"""Which operators' actions apply to a journey as it stands, one form each on its console page:
resolve an escalated step, send a step waiting for its agency again, resend or extend an open
request to the person. The journey's own validators still decide (a form may be a moment
stale); this only keeps the page from offering what cannot apply."""

from dataclasses import dataclass
from typing import Literal

from core.models import JourneyStatus

ActionKind = Literal["resolve", "resubmit", "resend", "extend"]
ACTION_KINDS: tuple[ActionKind, ...] = ("resolve", "resubmit", "resend", "extend")


@dataclass(frozen=True)
class ApplicableAction:
    form_id: str  # unique on the page: the fields' ids and the error summary's anchors
    kind: ActionKind
    step_id: str
    request_id: str | None = None


def applicable_actions(status: JourneyStatus) -> list[ApplicableAction]:
    if status.completed_at is not None:
        return []
    found: list[ApplicableAction] = []
    for step in status.steps:
        if step.escalated:
            found.append(ApplicableAction(f"resolve-{len(found) + 1}", "resolve", step.id))
        elif step.kind == "agency_service" and step.state == "waiting_for_agency":
            found.append(ApplicableAction(f"resubmit-{len(found) + 1}", "resubmit", step.id))
    for request in status.requests:
        if request.state != "open":
            continue
        found.append(
            ApplicableAction(f"resend-{len(found) + 1}", "resend", request.step_id, request.id)
        )
        if request.due_at is not None:
            found.append(
                ApplicableAction(f"extend-{len(found) + 1}", "extend", request.step_id, request.id)
            )
    return found
