"""Bulk actions from the console: "act on everything these filters match". A form (the action,
its reason), a preview (how many journeys, the exact visibility query, what will be done), then
the execution, with an outcome per journey. The filters are every one of the journeys list's.
The bounds and the checks are the API's, through the same service functions
(use_cases/bulk_actions.py): at most MAX_BULK_JOURNEYS journeys, a preview token bound to
the operator, the filter, the moment of its query, the action and the count, valid 15
minutes."""

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError

from core.settings import Settings
from use_cases import bulk_actions
from use_cases.bulk_actions import MAX_BULK_JOURNEYS, BulkAction, BulkExecution, BulkPreviewRequest
from use_cases.deps import SessionDep, SettingsDep
from use_cases.errors import BulkNotConfirmed
from use_cases.gateway import TemporalGateway
from web.console.checked_form import CheckedFormDep
from web.console.find_journeys import FILTER_FIELDS, parse_filter
from web.console.journey_page import MAX_REASON, MEANINGFUL
from web.console.session import OperatorSession, OperatorSessionDep
from web.i18n import request_language, translations
from web.rendering import render

router = APIRouter(include_in_schema=False)
ACTION_FIELDS = ("kind", "step_id", "how", "decision")
_ACTION = TypeAdapter[BulkAction](BulkAction)
Gettext = Callable[[str], str]


def _bounded(params: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: params[name].strip()[:100] for name in names if params.get(name, "").strip()}


def _action(values: Mapping[str, str]) -> BulkAction:
    """The chosen action (raises ValidationError)."""
    kind = values.get("kind")
    fields: dict[str, Any] = {"kind": kind}
    if kind in ("resubmit", "resolve_escalation"):
        fields["step_id"] = values.get("step_id")
    if kind == "resolve_escalation":
        fields["action"] = values.get("how")
        if values.get("how") == "record_decision":
            fields["decision"] = values.get("decision")
    return _ACTION.validate_python(fields)


def _action_errors(values: Mapping[str, str], _: Gettext) -> dict[str, str]:
    errors: dict[str, str] = {}
    kind = values.get("kind")
    if kind not in ("cancel", "resubmit", "resolve_escalation"):
        return {"kind": _("Choose an action")}
    if kind != "cancel" and not 0 < len(values.get("step_id", "")) <= 100:
        errors["step_id"] = _("Enter the step's id, like health.child-health-card")
    if kind == "resolve_escalation":
        if values.get("how") not in ("resubmit", "record_decision", "skip"):
            errors["how"] = _("Choose how to resolve it")
        elif values.get("how") == "record_decision" and values.get("decision") not in (
            "approved",
            "rejected",
        ):
            errors["decision"] = _("Choose the agency's decision")
    return errors


def _reason(form: Mapping[str, str]) -> str:
    return " ".join(form.get("reason", "").split())


def _form_page(
    request: Request,
    settings: Settings,
    operator: OperatorSession,
    values: dict[str, str],
    errors: dict[str, str],
) -> HTMLResponse:
    return render(
        request,
        settings,
        "console/bulk_form.html",
        {
            "operator": operator,
            "values": values,
            "errors": errors,
            "summary": list(errors.items()),
            "filters": _bounded(values, FILTER_FIELDS),
            "max": MAX_BULK_JOURNEYS,
        },
        status_code=422 if errors else 200,
    )


@router.get("/console/bulk", response_class=HTMLResponse)
def bulk_form(request: Request, operator: OperatorSessionDep, settings: SettingsDep) -> Response:
    """The action to take on everything the list's filters (the query's) match."""
    _ = translations(request_language(request)).gettext
    values = _bounded(request.query_params, FILTER_FIELDS)
    journey_filter, errors = parse_filter(values, _)
    # Filters that are not valid are carried as they are: the preview says so.
    filters = values if errors else journey_filter.form_values()
    return _form_page(request, settings, operator, filters, {})


def _checked(
    form: Mapping[str, str], _: Gettext
) -> tuple[BulkPreviewRequest | None, dict[str, str], dict[str, str]]:
    """The previewed request, or the errors by field; and the values to show again."""
    values = {**_bounded(form, FILTER_FIELDS + ACTION_FIELDS), "reason": _reason(form)[:MAX_REASON]}
    errors = _action_errors(values, _)
    if not MEANINGFUL.search(_reason(form)) or len(_reason(form)) > MAX_REASON:
        errors["reason"] = _("Enter the reason for this action, up to 500 characters")
    journey_filter, filter_errors = parse_filter(values, _)
    if filter_errors:
        errors["filters"] = _(
            "These filters are not valid: go back to the journeys and apply them again"
        )
    else:  # as the forms write them (true is yes), so the pages show them alike
        values = {
            **{k: v for k, v in values.items() if k not in FILTER_FIELDS},
            **journey_filter.form_values(),
        }
    if errors:
        return None, errors, values
    try:
        return BulkPreviewRequest(filter=journey_filter, action=_action(values)), {}, values
    except ValidationError:
        return None, {"kind": _("Choose an action")}, values


@router.post("/console/bulk/preview", response_class=HTMLResponse)
async def preview_bulk_action(
    request: Request, operator: OperatorSessionDep, settings: SettingsDep, form: CheckedFormDep
) -> Response:
    _ = translations(request_language(request)).gettext
    checked, errors, values = _checked(form, _)
    if checked is None:
        return _form_page(request, settings, operator, values, errors)
    gateway = TemporalGateway(request.app.state.temporal, settings)
    preview = await bulk_actions.preview(gateway, settings, operator.actor, checked)
    return render(
        request,
        settings,
        "console/bulk_preview.html",
        {
            "operator": operator,
            "values": values,
            "preview": preview,
            "filters": _bounded(values, FILTER_FIELDS),
            "max": MAX_BULK_JOURNEYS,
            "back_url": "/console/bulk?" + urlencode(_bounded(values, FILTER_FIELDS)),
        },
    )


@router.post("/console/bulk/execute", response_class=HTMLResponse)
async def execute_bulk_action(
    request: Request,
    operator: OperatorSessionDep,
    session: SessionDep,
    settings: SettingsDep,
    form: CheckedFormDep,
) -> Response:
    _ = translations(request_language(request)).gettext
    checked, errors, values = _checked(form, _)
    if checked is None:
        return _form_page(request, settings, operator, values, errors)
    back_url = "/console/bulk?" + urlencode(_bounded(values, FILTER_FIELDS))
    try:
        execution = BulkExecution(
            **checked.model_dump(),
            reason=values["reason"],
            count=int(form.get("count", "0")) if form.get("count", "").isdigit() else 0,
            token=form.get("token", "")[:2000],
        )
    except ValidationError:
        return _refused(
            request,
            settings,
            operator,
            back_url,
            _("Preview again: this confirmation is not valid"),
        )
    gateway = TemporalGateway(request.app.state.temporal, settings)
    session.close()
    try:
        result = await bulk_actions.execute(gateway, settings, session, operator.actor, execution)
    except BulkNotConfirmed as refused:
        return _refused(request, settings, operator, back_url, refused.message)
    return render(
        request,
        settings,
        "console/bulk_result.html",
        {"operator": operator, "values": values, "result": result, "back_url": back_url},
    )


def _refused(
    request: Request, settings: Settings, operator: OperatorSession, back_url: str, why: str
) -> HTMLResponse:
    return render(
        request,
        settings,
        "console/bulk_refused.html",
        {"operator": operator, "why": why, "back_url": back_url},
        status_code=409,
    )
