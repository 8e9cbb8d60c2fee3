"""Confirming a proactive offer on the journey's page: who the person is (the life event's
informant questions), which services should run, and a consent per service; read back from
the form and checked the way the questions pages check theirs."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from core.catalog import LifeEventDefinition
from core.models import Confirmation, JourneyStatus
from web.i18n import Language
from web.questions import QuestionBuilder, Section, errors_of, read_answers

Gettext = Callable[[str], str]
INFORMANT = "informant"


@dataclass
class OfferedService:
    id: str
    title: str
    agency: str | None
    # The ids of the services it needs (chosen with it, or it cannot run).
    needs: list[str]


@dataclass
class ConfirmationForm:
    informant: Section
    services: list[OfferedService]


def confirmation_form(
    definition: LifeEventDefinition, status: JourneyStatus, language: Language, _: Gettext
) -> ConfirmationForm | None:
    """The form's questions and services; None when the life event asks for no informant."""
    sections = QuestionBuilder(definition, language, _).sections()
    informant = next((s for s in sections if s.name == INFORMANT), None)
    if informant is None:
        return None
    titles = {step.id: step.title.in_(language) if step.title else step.id for step in status.steps}
    services = [
        OfferedService(step.id, titles[step.id], step.agency, step.needs)
        for step in status.steps
        if step.kind == "agency_service"
    ]
    return ConfirmationForm(informant, services)


def read_confirmation(
    definition: LifeEventDefinition,
    form: ConfirmationForm,
    values: Mapping[str, str],
    chosen: list[str],
    consents: list[str],
    _: Gettext,
) -> Confirmation | dict[str, str]:
    """The confirmation the form makes, or each wrong answer's message by input name."""
    answers = read_answers([form.informant], values)
    errors = errors_of(definition, [form.informant], answers, _)
    offered = {service.id: service for service in form.services}
    services = [sid for sid in dict.fromkeys(chosen) if sid in offered]
    if not services:
        errors["services"] = _("Select at least one service")
    else:
        for sid in services:
            missing = [n for n in offered[sid].needs if n not in services]
            if missing:
                errors["services"] = _("{service} needs {needed}: select it too").format(
                    service=offered[sid].title,
                    needed=", ".join(offered[n].title for n in missing if n in offered),
                )
                break
    if errors:
        return errors
    return Confirmation(
        informant=answers.get(INFORMANT, {}),
        services=services,
        consents=[sid for sid in dict.fromkeys(consents) if sid in services],
    )
