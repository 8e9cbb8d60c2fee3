"""The post-transaction survey answered on an ended journey's page, stored through the same
service as ``POST /v1/journeys/{id}/feedback`` (channel "web", in the page's language)."""

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from core.models import JourneyStatus
from use_cases import feedback
from use_cases.deps import SessionDep, SettingsDep
from use_cases.errors import FeedbackRefused, JourneyNotFound, StatusUnavailable
from use_cases.feedback import ITEMS, Feedback
from use_cases.gateway import TemporalGateway
from web.i18n import Language, request_language, translations
from web.journey_pages import form_refused, journey_page
from web.rendering import (
    FormDep,
    error_page,
    expired_form,
    form_lists,
    not_found,
    see_other,
    unavailable,
)

router = APIRouter(include_in_schema=False)
SCALE = ("1", "2", "3", "4", "5")
# "employee_helpfulness" may be answered "I dealt with no one": no score.
NO_ONE = "none"


def _record(
    session: Session,
    secret: str,
    status: JourneyStatus,
    intake: dict[str, object] | None,
    answers: Feedback,
    language: Language,
) -> None:
    try:
        feedback.record(session, secret, status, intake, answers, language)
    finally:
        session.close()


@router.post("/journeys/{journey_id}/feedback", response_class=HTMLResponse)
async def give_feedback(
    journey_id: str, request: Request, session: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    refused = await form_refused(request, session, settings, journey_id, form)
    if refused is not None:
        return refused
    language = request_language(request)
    _ = translations(language).gettext
    went_well = await form_lists(request, "went_well")
    did_not_go_well = await form_lists(request, "did_not_go_well")
    scores: dict[str, int | None] = {}
    for item in ITEMS:
        given = form.get(item, "")
        if given not in (*SCALE, NO_ONE, ""):
            return expired_form(request, settings)  # not a value the form offers
        scores[item] = int(given) if given in SCALE else None
    if scores["satisfaction"] is None:
        errors = {"satisfaction": _("Select how satisfied you are with the service")}
        values: dict[str, str | list[str]] = {
            **form,
            "went_well": went_well,
            "did_not_go_well": did_not_go_well,
        }
        return await journey_page(request, session, settings, journey_id, errors, values)
    try:
        answers = Feedback.model_validate(
            {
                **scores,
                "went_well": went_well,
                "did_not_go_well": did_not_go_well,
                "comment": form.get("comment") or None,
                "channel": "web",
            }
        )
    except ValidationError:
        return expired_form(request, settings)  # choices the form does not offer
    gateway = TemporalGateway(request.app.state.temporal, settings)
    try:
        status = await gateway.journey_status(journey_id)
        intake = await gateway.journey_intake(journey_id)
        await run_in_threadpool(
            _record, session, settings.app_secret, status, intake, answers, language
        )
    except JourneyNotFound:
        return not_found(request, settings)
    except StatusUnavailable:
        return unavailable(request, settings)
    except FeedbackRefused as refusal:
        if refusal.type == "feedback-already-given":
            title = _("You have already told us how it went")
            text = _("We take one answer per journey, and we have yours. Thank you.")
        else:
            title = _("This journey has not ended yet")
            text = _("Tell us how it went once it has ended.")
        return error_page(request, settings, 409, title, text)
    return see_other(f"/journeys/{journey_id}#survey")
