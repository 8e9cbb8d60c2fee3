"""A proactive offer confirmed on the journey's page: who the person is, which services run,
and their consents, through the same service as ``POST /v1/journeys/{id}/confirmation``."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from core.catalog import get_catalog
from use_cases import journeys
from use_cases.deps import SessionDep, SettingsDep
from use_cases.errors import JourneyNotFound, StatusUnavailable, Unprocessable, UpdateRefused
from use_cases.gateway import TemporalGateway
from web.confirmation_form import confirmation_form, read_confirmation
from web.i18n import request_language, translations
from web.journey_pages import form_refused, journey_page
from web.rendering import FormDep, error_page, form_lists, see_other

router = APIRouter(include_in_schema=False)


@router.post("/journeys/{journey_id}/confirmation", response_class=HTMLResponse)
async def confirm(
    journey_id: str, request: Request, session: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    refused = await form_refused(request, session, settings, journey_id, form)
    if refused is not None:
        return refused
    language = request_language(request)
    _ = translations(language).gettext
    no_longer = error_page(
        request,
        settings,
        409,
        _("This question no longer needs an answer"),
        _("The journey has moved on. Go back to your journey to see where it stands."),
    )
    gateway = TemporalGateway(request.app.state.temporal, settings)
    try:
        status = await gateway.journey_status(journey_id)
    except (JourneyNotFound, StatusUnavailable):
        return no_longer
    definition = get_catalog().get(status.life_event)
    waiting = any(r.kind == "confirmation" and r.state == "open" for r in status.requests)
    offer = confirmation_form(definition, status, language, _) if definition else None
    if definition is None or offer is None or not waiting:
        return no_longer
    chosen = await form_lists(request, "services")
    consents = await form_lists(request, "consents")
    answer = read_confirmation(definition, offer, form, chosen, consents, _)
    if isinstance(answer, dict):
        values: dict[str, str | list[str]] = {**form, "services": chosen, "consents": consents}
        return await journey_page(request, session, settings, journey_id, answer, values)
    try:
        await journeys.confirm(gateway, journey_id, answer)
    except (UpdateRefused, JourneyNotFound, Unprocessable):
        return no_longer
    return see_other(f"/journeys/{journey_id}")
