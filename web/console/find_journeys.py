"""Find journeys: filters in the URL, counts, cursor pagination, saved views per operator, the
current filter as CSV, and the same query in the Temporal UI."""

import base64
import binascii
import csv
import io
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.catalog import get_catalog
from core.models import JourneyState
from core.settings import Settings
from core.tables import Agency, SavedView
from use_cases.cursors import decode_cursor, encode_cursor
from use_cases.deps import SessionDep, SettingsDep
from use_cases.errors import PageTokenRefused, Unprocessable, value_error
from use_cases.gateway import TemporalGateway
from use_cases.journey_search import JourneyFilter, temporal_ui_query_url
from web.console.checked_form import CheckedFormDep
from web.console.session import OperatorSession, OperatorSessionDep
from web.i18n import request_language, translations
from web.rendering import render, see_other
from web.security import SECURITY_HEADERS

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
MAX_EXPORT = 10_000
MAX_VIEWS = 50
LISTING = "console-journeys"
FILTER_FIELDS = tuple(JourneyFilter.model_fields)


def _filter_values(params: Mapping[str, str]) -> dict[str, str]:
    """The filter's fields from a query or a form: empty ones left out, each bounded."""
    return {
        name: params[name].strip()[:100] for name in FILTER_FIELDS if params.get(name, "").strip()
    }


def _errors(error: ValidationError, _: Any) -> dict[str, str]:
    """Each invalid filter, by field, in the operator's words."""
    messages = {
        "life_event": _("Choose a life event from the list"),
        "state": _("Choose a state from the list"),
        "agency": _("Choose an agency from the list"),
        "escalated": _("Choose yes or no"),
        "sla_breached": _("Choose yes or no"),
        "waiting_days": _("Enter a whole number of days, from 0 to 3650"),
        "started_from": _("Enter a date between 2000 and 2099, like 2026-11-25"),
        "started_to": _("Enter a date between 2000 and 2099, like 2026-11-25"),
    }
    found: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "started_from"
        if field in messages:
            found.setdefault(field, messages[field])
        else:  # the model's own check: the period's ends in the wrong order
            found.setdefault("started_from", _("The start of the period must be before its end"))
    return found


def parse_filter(params: Mapping[str, str], _: Any) -> tuple[JourneyFilter, dict[str, str]]:
    """The checked filter, or an empty one and the errors by field."""
    try:
        return JourneyFilter.model_validate(_filter_values(params)), {}
    except ValidationError as error:
        return JourneyFilter(), _errors(error, _)


def _options(session: Session) -> dict[str, Any]:
    try:
        return {
            "life_events": sorted(get_catalog()),
            "states": list(get_args(JourneyState)),
            "agencies": [
                a.agency_id for a in session.exec(select(Agency).order_by(col(Agency.agency_id)))
            ],
        }
    finally:
        session.close()


def _views(session: Session, operator: str) -> list[SavedView]:
    try:
        return list(
            session.exec(
                select(SavedView)
                .where(SavedView.operator == operator)
                .order_by(col(SavedView.name))
            )
        )
    finally:
        session.close()


def _token_of(settings: Settings, scope: str, cursor: str | None) -> bytes | None:
    position = decode_cursor(settings, LISTING, scope, cursor)
    if position is None:
        return None
    try:
        return base64.b64decode(str(position), validate=True)
    except binascii.Error as error:
        raise Unprocessable([value_error(["query", "cursor"], "Not a cursor")]) from error


def _page_url(scope: str, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    return "/console/journeys?" + "&".join(p for p in (scope, urlencode({"cursor": cursor})) if p)


@router.get("/console/journeys", response_class=HTMLResponse)
async def find_journeys(
    request: Request, operator: OperatorSessionDep, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    _ = translations(request_language(request)).gettext
    params = dict(request.query_params)
    journey_filter, errors = parse_filter(params, _)
    options = await run_in_threadpool(_options, session)
    views = await run_in_threadpool(_views, session, operator.name)
    context: dict[str, Any] = {
        "operator": operator,
        "values": _filter_values(params),
        "errors": errors,
        "summary": [(name, text) for name, text in errors.items()],
        "views": views,
        **options,
    }
    if errors:
        return render(request, settings, "console/journeys.html", context, status_code=422)
    query = journey_filter.visibility_query(datetime.now(UTC))
    scope = journey_filter.query_string()
    gateway = TemporalGateway(request.app.state.temporal, settings)
    try:
        token = _token_of(settings, scope, params.get("cursor", "")[:4096] or None)
        found, following = await gateway.search_journeys(query, PAGE_SIZE, token)
    except (Unprocessable, PageTokenRefused):
        context["summary"] = [("results", _("This page of results has expired: start again"))]
        return render(request, settings, "console/journeys.html", context, status_code=422)
    next_cursor = (
        encode_cursor(settings, LISTING, scope, base64.b64encode(following).decode())
        if following and found
        else None
    )
    context.update(
        {
            "journeys": found,
            "count": await gateway.count_journeys(query),
            "query": query,
            "query_string": scope,
            "next_url": _page_url(scope, next_cursor),
            "temporal_ui_url": temporal_ui_query_url(
                settings.effective_temporal_ui_url, settings.temporal_namespace, query
            ),
        }
    )
    return render(request, settings, "console/journeys.html", context)


CSV_COLUMNS = (
    "journey_id",
    "life_event",
    "state",
    "agencies",
    "execution_status",
    "started_at",
    "closed_at",
    "escalated",
    "sla_breached",
    "waiting_since",
)


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else " ".join(value) if isinstance(value, list) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()


async def _csv_rows(gateway: TemporalGateway, query: str) -> AsyncIterator[str]:
    yield _csv_line(list(CSV_COLUMNS))
    token: bytes | None = None
    sent = 0
    while sent < MAX_EXPORT:
        found, token = await gateway.search_journeys(query, min(1000, MAX_EXPORT - sent), token)
        for journey in found:
            row = journey.model_dump()
            yield _csv_line([_cell(row[column]) for column in CSV_COLUMNS])
        sent += len(found)
        if not token or not found:
            break


@router.get("/console/journeys.csv", response_model=None)
async def export_journeys(
    request: Request, operator: OperatorSessionDep, settings: SettingsDep
) -> Response:
    """The journeys the current filter matches (at most MAX_EXPORT), as CSV."""
    _ = translations(request_language(request)).gettext
    journey_filter, errors = parse_filter(dict(request.query_params), _)
    if errors:
        return see_other(f"/console/journeys?{request.url.query}")
    gateway = TemporalGateway(request.app.state.temporal, settings)
    query = journey_filter.visibility_query(datetime.now(UTC))
    return StreamingResponse(
        _csv_rows(gateway, query),
        media_type="text/csv; charset=utf-8",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": 'attachment; filename="journeys.csv"',
        },
    )


def _save_view(session: Session, operator: OperatorSession, name: str, query: str) -> bool:
    """Save (or replace) the operator's view by that name; False over the limit."""
    try:
        existing = session.exec(
            select(SavedView).where(SavedView.operator == operator.name, SavedView.name == name)
        ).first()
        if existing is not None:
            existing.query = query
            session.add(existing)
        elif len(_views(session, operator.name)) >= MAX_VIEWS:
            return False
        else:
            session.add(SavedView(operator=operator.name, name=name, query=query))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # the same name saved at the same moment: the other one stays
        return True
    finally:
        session.close()


@router.post("/console/views", response_class=HTMLResponse)
async def save_view(
    request: Request,
    operator: OperatorSessionDep,
    session: SessionDep,
    settings: SettingsDep,
    form: CheckedFormDep,
) -> Response:
    _ = translations(request_language(request)).gettext
    journey_filter, errors = parse_filter(form, _)
    name = form.get("view_name", "").strip()
    query = journey_filter.query_string()
    if errors or not 0 < len(name) <= 100:
        problem = {"view_name": _("Enter a name for this view, up to 100 characters")}
        context = {
            "operator": operator,
            "values": _filter_values(form),
            "errors": errors or problem,
            "summary": list((errors or problem).items()),
            "views": await run_in_threadpool(_views, session, operator.name),
            **await run_in_threadpool(_options, session),
        }
        return render(request, settings, "console/journeys.html", context, status_code=422)
    await run_in_threadpool(_save_view, session, operator, name, query)
    return see_other(f"/console/journeys?{query}")


def _delete_view(session: Session, operator: OperatorSession, view_id: int) -> None:
    try:
        view = session.get(SavedView, view_id)
        if view is not None and view.operator == operator.name:  # only one's own
            session.delete(view)
            session.commit()
    finally:
        session.close()


@router.post("/console/views/{view_id}/delete", response_class=HTMLResponse)
async def delete_view(
    view_id: int, operator: OperatorSessionDep, session: SessionDep, _: CheckedFormDep
) -> Response:
    if 0 < view_id < 2**63:
        await run_in_threadpool(_delete_view, session, operator, view_id)
    return see_other("/console/journeys")
