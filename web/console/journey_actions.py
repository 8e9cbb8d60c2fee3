"""The operator's actions from a journey's console page: each form posts here with a reason,
through the same service functions as the API (use_cases/operator_actions.py), so the
journey's validator decides and the audit trail records the operator and the reason. The page
comes back with the outcome: a success banner, the journey's refusal, or the form's errors."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from core.models import (
    DeadlineExtension,
    EscalationResolution,
    MessageResend,
    Resubmission,
)
from core.settings import Settings
from use_cases import operator_actions
from use_cases.deps import SessionDep, SettingsDep
from use_cases.errors import JourneyNotFound, UpdateRefused
from use_cases.gateway import TemporalGateway
from web.console.applicable_actions import ACTION_KINDS
from web.console.checked_form import CheckedFormDep
from web.console.journey_page import MAX_REASON, MEANINGFUL, JourneyIdDep, journey_view
from web.console.missing_page import PageNotFound
from web.console.session import OperatorSession, OperatorSessionDep
from web.i18n import request_language, translations
from web.journey_status import status_or_error_page
from web.rendering import not_found

router = APIRouter(include_in_schema=False)
FIELDS = ("step_id", "request_id", "resolution", "decision", "reference", "days", "reason")


def _values(form: dict[str, str]) -> dict[str, str]:
    """The action's fields, as given (bounded), to fill the form again after an error."""
    return {name: form.get(name, "").strip()[:MAX_REASON] for name in FIELDS}


def _action(kind: str, values: dict[str, str], reason: str) -> BaseModel:
    """The action's model, as the API would validate it (raises ValidationError)."""
    if kind == "resolve":
        record = values["resolution"] == "record_decision"
        return EscalationResolution.model_validate(
            {
                "step_id": values["step_id"],
                "action": values["resolution"] or None,
                "decision": (values["decision"] or None) if record else None,
                "reference": (values["reference"] or None) if record else None,
                "reason": reason,
            }
        )
    if kind == "resubmit":
        return Resubmission(step_id=values["step_id"], reason=reason)
    if kind == "resend":
        return MessageResend(request_id=values["request_id"], reason=reason)
    return DeadlineExtension.model_validate(
        {"request_id": values["request_id"], "days": values["days"] or None, "reason": reason}
    )


def _errors(error: ValidationError, _: Callable[[str], str]) -> dict[str, str]:
    messages = {
        "resolution": _("Choose how to resolve it"),
        "decision": _("Choose the agency's decision"),
        "reference": _("Enter the agency's reference, up to 200 characters"),
        "days": _("Enter a whole number of days, from 1 to 90"),
    }
    found: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "decision"  # the model's own check
        field = "resolution" if field == "action" else field
        if field in messages:  # the reason is checked apart; the ids are the page's own
            found.setdefault(field, messages[field])
    return found


async def _apply(
    gateway: TemporalGateway, session: Session, operator: str, journey_id: str, action: BaseModel
) -> None:
    if isinstance(action, EscalationResolution):
        await operator_actions.resolve_escalation(gateway, session, operator, journey_id, action)
    elif isinstance(action, Resubmission):
        await operator_actions.resubmit(gateway, session, operator, journey_id, action)
    elif isinstance(action, MessageResend):
        await operator_actions.resend_message(gateway, session, operator, journey_id, action)
    elif isinstance(action, DeadlineExtension):
        await operator_actions.extend_deadline(gateway, session, operator, journey_id, action)


def _done(action: BaseModel, _: Callable[[str], str]) -> str:
    if isinstance(action, EscalationResolution):
        return _("The escalation is resolved.")
    if isinstance(action, Resubmission):
        return _("The step is sent to its agency again.")
    if isinstance(action, MessageResend):
        return _("The request is e-mailed to the person again, with a fresh link.")
    assert isinstance(action, DeadlineExtension)
    return _("The person has {days} more days to answer.").format(days=action.days)


def _action_kind(kind: str, settings: SettingsDep) -> str:
    if kind not in ACTION_KINDS:
        raise PageNotFound(settings)
    return kind


@router.post("/console/journeys/{journey_id}/actions/{kind}", response_class=HTMLResponse)
async def act_on_journey(
    request: Request,
    operator: OperatorSessionDep,
    journey_id: JourneyIdDep,
    kind: Annotated[str, Depends(_action_kind)],
    session: SessionDep,
    settings: SettingsDep,
    form: CheckedFormDep,
) -> Response:
    _ = translations(request_language(request)).gettext
    form_id = form.get("form_id", "")[:50]
    view_reason = " ".join(form.get("view_reason", "").split())[:MAX_REASON]
    values = _values(form)
    reason = " ".join(form.get("reason", "").split())  # whole: a longer one is refused, not cut
    errors: dict[str, str] = {}
    action: BaseModel | None = None
    try:
        action = _action(kind, values, reason)
    except ValidationError as invalid:
        errors = _errors(invalid, _)
    if kind == "resolve" and values["resolution"] == "record_decision" and not values["decision"]:
        # The model checks it only once its fields are valid: said at once, with the rest.
        errors.setdefault("decision", _("Choose the agency's decision"))
    if not MEANINGFUL.search(reason) or len(reason) > MAX_REASON:
        errors["reason"] = _("Enter the reason for this action, up to 500 characters")
    gateway = TemporalGateway(request.app.state.temporal, settings)
    outcome: dict[str, Any] = {"action_values": {form_id: values}}
    status_code = 200
    if errors or action is None:
        errors = errors or {"reason": _("Enter the reason for this action, up to 500 characters")}
        outcome["action_errors"] = {form_id: errors}
        outcome["summary"] = [(f"{form_id}-{field}", text) for field, text in errors.items()]
        status_code = 422
    else:
        try:
            await _apply(gateway, session, operator.actor, journey_id, action)
            outcome = {"action_done": _done(action, _)}
        except JourneyNotFound:
            return not_found(request, settings)
        except UpdateRefused as refused:
            text = _("The journey refused this action: {why}").format(why=refused.message)
            outcome["action_errors"] = {form_id: {"reason": text}}
            outcome["summary"] = [(f"{form_id}-reason", text)]
            status_code = 409
    return await _page(
        request, settings, session, operator, gateway, journey_id, view_reason, outcome, status_code
    )


async def _page(
    request: Request,
    settings: Settings,
    session: Session,
    operator: OperatorSession,
    gateway: TemporalGateway,
    journey_id: str,
    view_reason: str,
    outcome: dict[str, Any],
    status_code: int,
) -> Response:
    status = await status_or_error_page(request, settings, gateway, journey_id)
    if isinstance(status, HTMLResponse):
        return status
    return await journey_view(
        request,
        settings,
        session,
        operator,
        status,
        view_reason=view_reason,
        extra=outcome,
        status_code=status_code,
    )
