"""Notification: tell the person, by e-mail in their language, what happened and what comes next.

Exactly-once as far as SMTP allows: the message is claimed in the database under its idempotency
key before it is sent and marked sent after. A retry after a successful send sends nothing; a
crash in the instant between the SMTP exchange and the commit resends the same Message-ID, which
mail systems deduplicate.
"""

import hashlib
import time
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formatdate
from html import escape
from urllib.parse import quote, urlencode

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core import journey_tokens
from core.contact import is_single_email
from core.db import get_engine
from core.models import (
    Language,
    LocalizedText,
    NotificationInput,
    NotificationReceipt,
    SummaryLine,
)
from core.settings import get_settings
from core.smtp import relay
from core.tables import NotificationRecord, utcnow

# The messages that also show the access code on its own (every message carries it in its
# link): a proactive offer (the person never saw an intake answer), and a fresh link the person
# asked for (POST /v1/journeys/{id}/link).
TOKEN_BEARING = frozenset({"offer", "link"})
# Exported by the worker's Prometheus endpoint (WORKER_METRICS_ADDRESS), with the SDK's metrics.
MESSAGES_SENT = "lifeevents_messages_sent"

_TEXT: dict[Language, dict[str, str]] = {
    "en": {
        "approved": "{agency} has completed: {service}.",
        "rejected": "{agency} has declined: {service}.",
        "not_eligible": "You are not eligible for: {service}. Nothing was sent to {agency}.",
        "failed": "We could not complete: {service} ({agency}).",
        "reference": "Reference: {reference}",
        "message": "Message from {agency}: {message}",
        "payment": "A payment of {amount} {currency} has been instructed to you.",
        "next_approved": "What happens next: nothing more is needed from you for this service.",
        "next_rejected": "What happens next: contact {agency} if you believe this is a mistake.",
        "next_not_eligible": "What happens next: nothing; the other services continue.",
        "next_failed": "What happens next: our team has been alerted and will contact you.",
        "subject": "{service}: {outcome_word}",
        "approved_word": "done",
        "rejected_word": "declined",
        "not_eligible_word": "not eligible",
        "failed_word": "problem",
        "why": "Why:",
        "footer": "You told us once; we told {agency} for you.",
        "follow": "Follow your journey: {link}",
        "link_expires": "This link is yours alone; it works until {expires}.",
        "consent_needed": "Before we share your information with {agency} for: {service}, we "
        "need your consent.",
        "information_needed": "{agency} needs more information for: {service}.",
        "reminder": "Reminder: {agency} still needs information for: {service}.",
        "purpose": "Purpose: {purpose}",
        "asked": "Asked for: {requested}",
        "due": "Please answer by {due}.",
        "next_consent_needed": "What happens next: give or refuse your consent from your journey "
        "page; refusing skips this service only.",
        "next_information_needed": "What happens next: answer from your journey page.",
        "next_reminder": "What happens next: answer from your journey page.",
        "offer": "{agency} told us of an event that concerns you: {service}. You can tell every "
        "agency involved at once, without filling in any application.",
        "next_offer": "What happens next: confirm who you are and choose the services from your "
        "journey page.",
        "offer_word": "you can tell us once",
        "access": "Your access code for this journey (keep it private): {token}",
        "link": "A new access code to your journey was asked for. If you did not ask for it, "
        "you can ignore this message: it was sent to you only.",
        "next_link": "What happens next: follow your journey with the code below. Codes sent "
        "before keep working until they expire, unless you revoke them from your journey page.",
        "link_word": "your new access code",
        "consent_needed_word": "your consent is needed",
        "summary_word": "summary",
        "summary_completed": "Your journey is over: every part of it has ended.",
        "summary_completed_with_issues": "Your journey is over, but not every part went as "
        "planned.",
        "summary_failed": "We could not verify your identity: no agency was contacted.",
        "summary_cancelled": "Your journey was cancelled.",
        "summary_steps": "Where each part ended:",
        "step_approved": "{service} ({agency}): done",
        "step_rejected": "{service} ({agency}): declined",
        "step_not_eligible": "{service} ({agency}): not eligible, nothing was sent",
        "step_failed": "{service} ({agency}): could not be completed",
        "step_skipped": "{service} ({agency}): not done",
        "step_cancelled": "{service} ({agency}): cancelled",
        "next_summary": "What happens next: nothing more is needed from you. Tell us how it "
        "went, from your journey page: it takes two minutes.",
        "information_needed_word": "information needed",
        "reminder_word": "reminder",
    },
    "fr": {
        "approved": "{agency} a terminé : {service}.",
        "rejected": "{agency} a refusé : {service}.",
        "not_eligible": "Vous n'êtes pas admissible : {service}. Rien n'a été transmis à {agency}.",
        "failed": "Nous n'avons pas pu terminer : {service} ({agency}).",
        "reference": "Référence : {reference}",
        "message": "Message de {agency} : {message}",
        "payment": "Un paiement de {amount} {currency} a été ordonné en votre faveur.",
        "next_approved": "Et ensuite : vous n'avez plus rien à faire pour ce service.",
        "next_rejected": "Et ensuite : communiquez avec {agency} si vous croyez à une erreur.",
        "next_not_eligible": "Et ensuite : rien; les autres services se poursuivent.",
        "next_failed": "Et ensuite : notre équipe a été alertée et vous contactera.",
        "subject": "{service} : {outcome_word}",
        "approved_word": "terminé",
        "rejected_word": "refusé",
        "not_eligible_word": "non admissible",
        "failed_word": "problème",
        "why": "Pourquoi :",
        "footer": "Vous nous l'avez dit une fois; nous l'avons dit à {agency}.",
        "follow": "Suivez votre dossier : {link}",
        "link_expires": "Ce lien n'est qu'à vous; il fonctionne jusqu'au {expires}.",
        "consent_needed": "Avant de transmettre vos renseignements à {agency} pour : {service}, "
        "nous avons besoin de votre consentement.",
        "information_needed": "{agency} a besoin de renseignements supplémentaires pour : "
        "{service}.",
        "reminder": "Rappel : {agency} attend toujours des renseignements pour : {service}.",
        "purpose": "Fin : {purpose}",
        "asked": "Demandé : {requested}",
        "due": "Veuillez répondre d'ici le {due}.",
        "next_consent_needed": "Et ensuite : donnez ou refusez votre consentement depuis la page "
        "de votre dossier; un refus écarte ce service seulement.",
        "next_information_needed": "Et ensuite : répondez depuis la page de votre dossier.",
        "next_reminder": "Et ensuite : répondez depuis la page de votre dossier.",
        "offer": "{agency} nous a informés d'un événement qui vous concerne : {service}. Vous "
        "pouvez aviser en une fois tous les organismes concernés, sans formulaire de demande.",
        "next_offer": "Et ensuite : confirmez votre identité et choisissez les services depuis "
        "la page de votre dossier.",
        "offer_word": "dites-le-nous une fois",
        "access": "Votre code d'accès à ce dossier (gardez-le pour vous) : {token}",
        "link": "Un nouveau code d'accès à votre dossier a été demandé. Si vous ne l'avez pas "
        "demandé, vous pouvez ignorer ce message : il n'a été envoyé qu'à vous.",
        "next_link": "Et ensuite : suivez votre dossier avec le code ci-dessous. Les codes "
        "envoyés auparavant restent valides jusqu'à leur expiration, sauf si vous les révoquez "
        "depuis la page de votre dossier.",
        "link_word": "votre nouveau code d'accès",
        "consent_needed_word": "votre consentement est requis",
        "summary_word": "résumé",
        "summary_completed": "Votre dossier est terminé : chacune de ses parties a pris fin.",
        "summary_completed_with_issues": "Votre dossier est terminé, mais tout ne s'est pas "
        "déroulé comme prévu.",
        "summary_failed": "Nous n'avons pas pu vérifier votre identité : aucun organisme n'a été "
        "contacté.",
        "summary_cancelled": "Votre dossier a été annulé.",
        "summary_steps": "Où en est chaque partie :",
        "step_approved": "{service} ({agency}) : terminé",
        "step_rejected": "{service} ({agency}) : refusé",
        "step_not_eligible": "{service} ({agency}) : non admissible, rien n'a été transmis",
        "step_failed": "{service} ({agency}) : n'a pas pu être terminé",
        "step_skipped": "{service} ({agency}) : non fait",
        "step_cancelled": "{service} ({agency}) : annulé",
        "next_summary": "Et ensuite : vous n'avez plus rien à faire. Dites-nous comment cela "
        "s'est passé, depuis la page de votre dossier : c'est l'affaire de deux minutes.",
        "information_needed_word": "renseignements requis",
        "reminder_word": "rappel",
    },
}


def journey_link(base_url: str, journey_id: str, token: str) -> str:
    """The journey's page, opened by the token (the web pages serve it at this address)."""
    query = urlencode({"token": token})
    return f"{base_url.rstrip('/')}/journeys/{quote(journey_id, safe='')}?{query}"


def _agency(names: LocalizedText | None, name: str, language: Language) -> str:
    """The agency's name in the person's language when it has one, else as it was created."""
    return names.in_(language) if names else name


def _step_line(text: dict[str, str], step: SummaryLine, language: Language) -> str:
    key = f"step_{step.outcome}" if f"step_{step.outcome}" in text else f"step_{step.state}"
    line = text.get(key, text["step_failed"]).format(
        service=step.title.in_(language),
        agency=_agency(step.agency_names, step.agency_name, language),
    )
    if step.reference:
        line += f" ({text['reference'].format(reference=step.reference)})"
    return line


def _lines(request: NotificationInput, outcome: str, values: dict[str, str]) -> list[str]:
    """The message's paragraphs, in the person's language only (a "" separates them)."""
    text = _TEXT[request.language]
    if outcome == "summary":
        state = request.journey_state or "completed"
        lines = [text.get(f"summary_{state}", text["summary_completed_with_issues"])]
        if request.steps:
            lines += ["", text["summary_steps"]]
            lines += [f"- {_step_line(text, step, request.language)}" for step in request.steps]
        return lines
    lines = [text[outcome].format(**values)]
    if request.reasons:
        lines += ["", text["why"], *(f"- {reason}" for reason in request.reasons)]
    if request.reference:
        lines.append(text["reference"].format(reference=request.reference))
    if request.agency_message:
        lines.append(text["message"].format(message=request.agency_message, **values))
    if request.payment and outcome == "approved":
        amount = f"{request.payment.amount_cents / 100:.2f}"
        lines.append(text["payment"].format(amount=amount, currency=request.payment.currency))
    if request.purpose:
        lines.append(text["purpose"].format(purpose=request.purpose.in_(request.language)))
    if request.requested:
        lines.append(text["asked"].format(requested=", ".join(request.requested)))
    if request.due_at:
        lines.append(text["due"].format(due=request.due_at.date().isoformat()))
    return lines


def _blocks(paragraph: list[str]) -> list[list[str]]:
    """A paragraph's lines in blocks, split where a blank line separates them."""
    blocks: list[list[str]] = [[]]
    for line in paragraph:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _html(paragraphs: list[list[str]], link: str | None, after_link: str | None, lang: str) -> str:
    """The same message as HTML: every value escaped (an agency's message may hold markup)."""
    body = []
    for block in (block for paragraph in paragraphs for block in _blocks(paragraph)):
        items = [line[2:] for line in block if line.startswith("- ")]
        rest = [line for line in block if not line.startswith("- ")]
        if rest:
            body.append("<p>" + "<br>\n".join(escape(line) for line in rest) + "</p>")
        if items:
            body.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
    if link:
        # The address stays visible as the link's text, so the person sees where it leads.
        body.append(f'<p><a href="{escape(link, quote=True)}">{escape(link)}</a></p>')
    if after_link:
        body.append(f"<p>{escape(after_link)}</p>")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        "</head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def compose(
    request: NotificationInput,
    message_id: str,
    sender: str,
    access_token: str | None = None,
    link: str | None = None,
    link_expires: date | None = None,
) -> EmailMessage:
    """The e-mail, in the person's language only: plain text and HTML (multipart/alternative),
    with the journey's link when there is one."""
    text = _TEXT[request.language]
    outcome = request.outcome if f"next_{request.outcome}" in text else "failed"
    values = {
        "agency": _agency(request.agency_names, request.agency_name, request.language),
        "service": request.service_title.in_(request.language),
    }
    paragraphs = [_lines(request, outcome, values), [text[f"next_{outcome}"].format(**values)]]
    if access_token and outcome in TOKEN_BEARING:
        # A proactive journey's person never saw an intake answer: the offer carries their key;
        # a person who asked for a fresh link gets one.
        paragraphs.append([text["access"].format(token=access_token)])
    if outcome not in ("link", "offer", "summary"):
        paragraphs.append([text["footer"].format(**values)])
    plain = ["\n".join(paragraph) for paragraph in paragraphs]
    expiry = text["link_expires"].format(expires=link_expires.isoformat()) if link_expires else None
    if link:
        plain.append(text["follow"].format(link=link) + (f"\n{expiry}" if expiry else ""))

    message = EmailMessage()
    message["Subject"] = text["subject"].format(outcome_word=text[f"{outcome}_word"], **values)
    message["From"] = sender
    message["To"] = request.to_email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.set_content("\n\n".join(plain) + "\n")
    message.add_alternative(
        _html(paragraphs, link, expiry if link else None, request.language), subtype="html"
    )
    # After the content: setting it clears the headers that describe content, this one too.
    message["Content-Language"] = request.language
    return message


def _claim(session: Session, request: NotificationInput, message_id: str) -> NotificationRecord:
    statement = select(NotificationRecord).where(
        NotificationRecord.idempotency_key == request.idempotency_key
    )
    record = session.exec(statement).first()
    if record is not None:
        return record
    record = NotificationRecord(
        idempotency_key=request.idempotency_key,
        journey_id=request.journey_id,
        message_id=message_id,
    )
    session.add(record)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        found = session.exec(statement).first()
        assert found is not None
        return found
    return record


def _count_sent(request: NotificationInput) -> None:
    """Counted once it is on record as sent: a retry finds it sent and counts nothing. Only in
    the worker's activity: the API also calls this function directly (a fresh link the person
    asked for), where there is no activity's meter and the audit trail records the sending."""
    if activity.in_activity():
        activity.metric_meter().create_counter(
            MESSAGES_SENT, "Messages sent to people, by kind and language"
        ).add(1, {"kind": request.outcome, "language": request.language})


@activity.defn
def send_notification(request: NotificationInput) -> NotificationReceipt:
    # The intake accepts one plain address only; anything else here is refused, never mailed.
    if not is_single_email(request.to_email):
        raise ApplicationError(
            "The recipient is not exactly one e-mail address",
            type="BadRecipient",
            non_retryable=True,
        )
    settings = get_settings()
    digest = hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:32]
    message_id = f"<{digest}@lifeevents.example>"
    # The record is only written after its commits, never read back: keep its attributes.
    with Session(get_engine(), expire_on_commit=False) as session:
        record = _claim(session, request, message_id)
        if record.status == "sent":
            return NotificationReceipt(message_id=record.message_id, already_sent=True)
        # Every message carries a fresh token in its link, issued when sent (so it expires
        # JOURNEY_TOKEN_TTL_DAYS after it reaches the person).
        now = time.time()
        token = journey_tokens.issue(settings, request.journey_id, now=now)
        link = journey_link(settings.public_base_url, request.journey_id, token)
        expires = datetime.fromtimestamp(
            now + settings.journey_token_ttl_days * journey_tokens.DAY_SECONDS, UTC
        ).date()
        message = compose(request, record.message_id, settings.mail_from, token, link, expires)
        with relay(settings) as smtp:
            smtp.send_message(message)
        record.status = "sent"
        record.sent_at = utcnow()
        session.add(record)
        session.commit()
        _count_sent(request)
        return NotificationReceipt(message_id=record.message_id)
