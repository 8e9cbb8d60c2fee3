"""Journeys: where one stands (citizens), and all of them filtered (operators)."""

import base64
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import col, select

from api.deps import JourneyAccessDep, OperatorDep
from api.openapi import problem_responses
from api.pagination import LINK_HEADER, PageDep
from core import audit, identity_checks, journey_tokens
from core.models import (
    CancelRequest,
    CitizenRequest,
    Confirmation,
    ConsentAnswer,
    InformationAnswer,
    JourneyState,
    JourneyStatus,
    StepStatus,
)
from core.tables import AuditEntry
from use_cases import journeys, links
from use_cases.deps import GatewayDep, SessionDep, SettingsDep
from use_cases.errors import Unprocessable, value_error
from use_cases.gateway import JourneySummary
from use_cases.journey_search import MAX_WAITING_DAYS, JourneyFilter

router = APIRouter(prefix="/v1/journeys", tags=["journeys"])
_NOT_YOURS = "No such journey, or another person's (a journey token never tells which)"
_YOURS = problem_responses({404: _NOT_YOURS})
_UPDATE = problem_responses(
    {404: _NOT_YOURS, 409: "The journey refused it: it is over, or the answer does not fit"}
)


async def _audit(
    session: SessionDep, actor: str, action: str, journey_id: str, detail: dict[str, Any]
) -> None:
    await run_in_threadpool(
        lambda: audit.append(
            session, actor=actor, action=action, journey_id=journey_id, detail=detail
        )
    )


@router.post("/{journey_id}/consents", response_model=StepStatus, responses=_UPDATE)
async def give_consent(
    journey_id: str,
    answer: ConsentAnswer,
    access: JourneyAccessDep,
    gateway: GatewayDep,
    session: SessionDep,
) -> Any:
    """Give, refuse or withdraw consent for a service's purpose, before it receives any data."""
    result = await gateway.give_consent(journey_id, answer)
    action = "consent_given" if answer.given else "consent_refused"
    await _audit(session, access.who, action, journey_id, {"service_id": answer.service_id})
    return result


@router.post("/{journey_id}/information", response_model=CitizenRequest, responses=_UPDATE)
async def provide_information(
    journey_id: str, answer: InformationAnswer, access: JourneyAccessDep, gateway: GatewayDep
) -> Any:
    """Answer a request for information; the waiting step goes on at once."""
    return await gateway.provide_information(journey_id, answer)


@router.post("/{journey_id}/cancel", response_model=JourneyStatus, responses=_UPDATE)
async def cancel_journey(
    journey_id: str,
    access: JourneyAccessDep,
    gateway: GatewayDep,
    session: SessionDep,
    request: CancelRequest | None = None,
) -> Any:
    """Stop the journey: pending steps stop, finished ones are undone where they can be."""
    result = await gateway.cancel(journey_id, request or CancelRequest())
    await _audit(session, access.who, "journey_cancelled", journey_id, {})
    return result


class OperatorJourneyStatus(JourneyStatus):
    """The journey as an operator sees it (their access, with its reason, is audited)."""

    identity_detail: str | None = Field(
        default=None,
        description="Why the identity check failed, precisely (the person is told only that "
        "it failed). Never in the person's own view.",
    )


@router.get(
    "/{journey_id}",
    response_model=JourneyStatus | OperatorJourneyStatus,
    responses=problem_responses(
        {
            404: _NOT_YOURS,
            503: "A running journey's status did not come within 10 seconds (no worker?)",
        }
    ),
)
async def get_journey(
    journey_id: str, access: JourneyAccessDep, gateway: GatewayDep, session: SessionDep
) -> JourneyStatus:
    """Where every step of a journey stands, while it runs and after. Operators also see why
    an identity check failed (``identity_detail``)."""
    status = await gateway.journey_status(journey_id)
    if not access.by_operator:
        return status
    detail = await run_in_threadpool(identity_checks.failure_reason, session, journey_id)
    return OperatorJourneyStatus(**status.model_dump(), identity_detail=detail)


class JourneyList(BaseModel):
    journeys: list[JourneySummary]
    # The visibility query used: paste it into the Temporal UI or `temporal workflow list -q`.
    query: str
    next_cursor: str | None = Field(
        default=None,
        description="The next page's `cursor` (also in the Link header); null on the last page",
    )


def journey_filter(
    life_event: Annotated[str | None, Query(max_length=100)] = None,
    state: Annotated[JourneyState | None, Query()] = None,
    agency: Annotated[str | None, Query(max_length=100)] = None,
    escalated: bool | None = None,
    sla_breached: bool | None = None,
    waiting_days: Annotated[
        int | None,
        Query(
            ge=0, le=MAX_WAITING_DAYS, description="Waiting for the person this many days or more"
        ),
    ] = None,
    started_from: Annotated[date | None, Query(description="Started on or after")] = None,
    started_to: Annotated[date | None, Query(description="Started on or before")] = None,
) -> JourneyFilter:
    """The listing's filter from the query, checked as the bulk actions' and the console's is:
    a value that is not one is a 422 on its own parameter."""
    given = {
        "life_event": life_event,
        "state": state,
        "agency": agency,
        "escalated": escalated,
        "sla_breached": sla_breached,
        "waiting_days": waiting_days,
        "started_from": started_from,
        "started_to": started_to,
    }
    try:
        return JourneyFilter.model_validate(given)
    except ValidationError as invalid:
        # The filter's own check (a period ending before it starts) names no field: its start.
        raise Unprocessable(
            [
                value_error(["query", *(error["loc"] or ("started_from",))], error["msg"])
                for error in invalid.errors()
            ]
        ) from invalid


@router.get(
    "",
    response_model=JourneyList,
    responses={200: {"description": "A page of them", "headers": LINK_HEADER}},
)
async def list_journeys(
    _: OperatorDep,
    gateway: GatewayDep,
    page: PageDep,
    journeys_filter: Annotated[JourneyFilter, Depends(journey_filter)],
) -> JourneyList:
    """Operators: journeys filtered by life event, state, agency, escalation, a missed SLA, how
    long they have waited for the person, and when they started (Temporal visibility), a page
    at a time: ``next_cursor`` (and the Link header) go on with the same filters, backed by
    Temporal's own page token."""
    page.scoped("journeys", journeys_filter.canonical_json())
    # The next pages keep the first page's moment: "waiting N days" then means the same.
    at, token = _position(page.after) if page.after is not None else (_now(), None)
    query = journeys_filter.visibility_query(datetime.fromtimestamp(at, UTC))
    found, following = await gateway.search_journeys(query, page.limit, token)
    # An empty page with a token: Temporal had no more to say.
    position = [at, base64.b64encode(following).decode()] if following and found else None
    return JourneyList(journeys=found, query=query, next_cursor=page.following(position))


def _now() -> int:
    return int(datetime.now(UTC).timestamp())


def _position(after: Any) -> tuple[int, bytes]:
    """The moment and Temporal's page token a cursor of this listing holds (signed by us)."""
    match after:
        case [int(at), str(token)]:
            return at, base64.b64decode(token)
    raise Unprocessable([value_error(["query", "cursor"], "Not a cursor of this listing")])


@router.post("/{journey_id}/confirmation", response_model=JourneyStatus, responses=_UPDATE)
async def confirm_journey(
    journey_id: str, answer: Confirmation, access: JourneyAccessDep, gateway: GatewayDep
) -> Any:
    """Confirm a journey a registry's event offered you: who you are, which services, consents."""
    return await journeys.confirm(gateway, journey_id, answer)


class AccessLogEntry(BaseModel):
    at: datetime
    who: str
    what: str
    detail: dict[str, Any]


@router.get(
    "/{journey_id}/access-log",
    response_model=list[AccessLogEntry],
    responses={**_YOURS, 200: {"description": "A page of it", "headers": LINK_HEADER}},
)
def get_access_log(
    journey_id: str, access: JourneyAccessDep, session: SessionDep, page: PageDep
) -> list[AccessLogEntry]:
    """Who received or read this person's data, and what was done to the journey, oldest first
    (from the audit trail); a page at a time (``cursor``, ``limit``; the next page's URL is in
    the Link header)."""
    entries = page.scoped("access-log", journey_id).rows(
        session, select(AuditEntry).where(AuditEntry.journey_id == journey_id), col(AuditEntry.id)
    )
    return [AccessLogEntry(at=e.at, who=e.actor, what=e.action, detail=e.detail) for e in entries]


@router.post(
    "/{journey_id}/tokens/revoke", status_code=status.HTTP_204_NO_CONTENT, responses=_YOURS
)
def revoke_journey_tokens(
    journey_id: str, access: JourneyAccessDep, session: SessionDep
) -> Response:
    """Revoke every access code (journey token) of this journey issued so far, the one used
    here included: they answer 401 from now on. Ask for a fresh one with POST …/link. Operators
    state their reason (X-Access-Reason), which the audit trail keeps."""
    journey_tokens.revoke(session, journey_id)
    audit.append(
        session,
        actor=access.who,
        action="journey_tokens_revoked",
        journey_id=journey_id,
        detail={"reason": access.reason} if access.reason else {},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class LinkRequested(BaseModel):
    detail: str


LINK_REQUESTED = (
    "If this journey exists, a new access code is on its way to the contact address it was "
    "started with (at most one every few minutes)."
)


@router.post(
    "/{journey_id}/link", status_code=status.HTTP_202_ACCEPTED, response_model=LinkRequested
)
async def request_journey_link(
    journey_id: str, background: BackgroundTasks, gateway: GatewayDep, settings: SettingsDep
) -> LinkRequested:
    """Public on purpose (no credentials: the person lost or let expire their code): e-mail a
    fresh access code to the journey's own contact address, in the person's language. The answer
    is the same whether the journey exists or not, and at most one code per journey goes out per
    JOURNEY_LINK_INTERVAL_MINUTES."""
    background.add_task(links.send_fresh_link, settings, gateway, journey_id)
    return LinkRequested(detail=LINK_REQUESTED)
