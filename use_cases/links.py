"""A fresh link to a journey, on anyone's request, to the journey's own contact address only.

Anyone may ask (the person lost or let expire their link, and has nothing else to show), so the
request tells nothing: the answer is the same whether the journey exists or not, and the work
happens after it. The address and the language are the journey's own (what the person told at
its start, read from Temporal), never the request's; at most one link per journey is sent per
JOURNEY_LINK_INTERVAL_MINUTES, so nobody can use this to flood a person's mailbox.
"""

from datetime import UTC, datetime, timedelta

import structlog
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from activities.notification import send_notification
from core import audit
from core.contact import is_single_email
from core.db import get_engine
from core.ids import is_journey_id, link_message_key
from core.models import LocalizedText, NotificationInput
from core.settings import Settings
from core.tables import JourneyLinkRequest
from use_cases.gateway import TemporalGateway

log = structlog.get_logger(__name__)
TITLE = LocalizedText(en="Your journey", fr="Votre dossier")
SENDER = "Tell Us Once"


async def send_fresh_link(settings: Settings, gateway: TemporalGateway, journey_id: str) -> None:
    """E-mail a fresh token to the journey's contact address, unless one went out within the
    interval. Never raises: nobody waits for it (the request was answered already)."""
    try:
        await _send(settings, gateway, journey_id)
    except Exception:
        log.exception("could not send a fresh link", journey_id=journey_id)


async def _send(settings: Settings, gateway: TemporalGateway, journey_id: str) -> None:
    if not is_journey_id(journey_id):
        return
    now = datetime.now(UTC)
    window = timedelta(minutes=settings.journey_link_interval_minutes)
    if await run_in_threadpool(_sent_within, journey_id, now, window):
        # Checked first: a flood of requests costs Temporal nothing. Recorded, so operators
        # (and the person, in their access log) see that more links were asked for.
        await run_in_threadpool(_record, journey_id, "journey_link_withheld")
        return
    intake = await gateway.journey_intake(journey_id)
    contact = (intake or {}).get("contact") or {}
    email, language = contact.get("email"), contact.get("language", "en")
    if not isinstance(email, str) or not is_single_email(email):
        return
    if not await run_in_threadpool(_claim, journey_id, now, window):
        return  # a concurrent request claimed this interval
    request = NotificationInput(
        journey_id=journey_id,
        idempotency_key=link_message_key(journey_id, int(now.timestamp() * 1000)),
        to_email=email,
        language=language if language in ("en", "fr") else "en",
        service_title=TITLE,
        agency_name=SENDER,
        outcome="link",
    )
    await run_in_threadpool(send_notification, request)
    await run_in_threadpool(_record, journey_id, "journey_link_sent")


def _sent_within(journey_id: str, now: datetime, window: timedelta) -> bool:
    with Session(get_engine()) as session:
        row = session.get(JourneyLinkRequest, journey_id)
        return row is not None and _aware(row.sent_at) > now - window


def _claim(journey_id: str, now: datetime, window: timedelta) -> bool:
    """Take this interval for the journey; False when a link went out within it."""
    with Session(get_engine()) as session:
        row = session.get(JourneyLinkRequest, journey_id)
        if row is None:
            session.add(JourneyLinkRequest(journey_id=journey_id, sent_at=now))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return False
            return True
        if _aware(row.sent_at) > now - window:
            return False
        # Compare-and-set on the time read: of two concurrent requests, one moves it.
        moved: CursorResult[object] = session.execute(  # type: ignore[assignment]
            update(JourneyLinkRequest)
            .where(
                col(JourneyLinkRequest.journey_id) == journey_id,
                col(JourneyLinkRequest.sent_at) == row.sent_at,
            )
            .values(sent_at=now)
        )
        session.commit()
        return moved.rowcount == 1


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _record(journey_id: str, action: str) -> None:
    with Session(get_engine()) as session:
        audit.append(session, actor="anonymous", action=action, journey_id=journey_id)
