"""What the journey's page says about each step, in the page's language.

A step's ``reasons`` are written by the workflows in English (or in the journey's language),
and the JSON API keeps them as they are. The page says the same in its own words instead: a
sentence per outcome code, the sentences the workflows write without a code recognised, an
eligibility rule's reason in the page's language (the plan holds both), and the agency's own
message (its words, in the language it wrote them) when it declined.
"""

from collections.abc import Callable

from core.identity_checks import GENERIC_REASON
from core.models import JourneyPlan, StepStatus
from web.i18n import Language

Gettext = Callable[[str], str]


def _by_outcome(_: Gettext) -> dict[str, str]:
    return {
        "verified": _("Your identity was verified."),
        "approved": _("The agency has done it."),
        "rejected": _("The agency declined it."),
        "not_eligible": _("You are not eligible: nothing was sent to the agency."),
        "not_chosen": _("You did not choose this service."),
        "consent_refused": _("You did not give your consent: nothing was sent to this agency."),
        "submission_failed": _("We could not send it to the agency."),
        "agency_timeout": _("The agency did not decide in time."),
        "information_not_given": _("The information asked for was not given before the deadline."),
        "cancelled": _("The journey was cancelled."),
        "error": _("Something went wrong on our side."),
    }


def _known_sentence(reason: str, _: Gettext) -> str | None:
    """A sentence the workflows write without an outcome code, in the page's words."""
    if reason in GENERIC_REASON.values():
        return None  # the identity step's one sentence: said per language below
    known = {
        "No agency was contacted: the identity was not verified.": _(
            "No agency was contacted: your identity was not verified."
        ),
        "The journey was cancelled before this step ran.": _(
            "The journey was cancelled before this step ran."
        ),
        "The journey was cancelled before it was confirmed.": _(
            "The journey was cancelled before it was confirmed."
        ),
        "The offer was not confirmed in time.": _("The offer was not confirmed in time."),
        "Not chosen.": _("You did not choose this service."),
        "You did not consent to share your data for this service.": _(
            "You did not give your consent: nothing was sent to this agency."
        ),
    }
    if reason in known:
        return known[reason]
    if reason.startswith("The deadline passed"):
        return _("The deadline passed before you answered.")
    if reason.startswith("It needs ") and reason.endswith(", which did not complete."):
        return _("A step it needs did not complete.")
    if reason.endswith("Escalated to operators."):
        return _("The agency is late: our operators are following it up.")
    return None


def _rule_reasons(plan: JourneyPlan | None, step_id: str, language: Language) -> dict[str, str]:
    """The step's eligibility reasons, as the journey wrote them, to the page's language."""
    service = next((s for s in plan.services if s.service_id == step_id), None) if plan else None
    if plan is None or service is None or service.eligibility is None:
        return {}
    return {
        rule.reason.in_(plan.language): rule.reason.in_(language)
        for rule in service.eligibility.all
    }


def explain(
    step: StepStatus, plan: JourneyPlan | None, language: Language, _: Gettext
) -> list[str]:
    """The sentences the page shows under a step, each in the page's language."""
    if step.kind == "identity" and step.state == "failed":
        return [GENERIC_REASON[language]]
    lines = []
    if step.outcome is not None and step.outcome in _by_outcome(_):
        lines.append(_by_outcome(_)[step.outcome])
    if step.outcome == "rejected":
        # The agency's own words: shown as it wrote them.
        lines += [_("Message from the agency: {message}").format(message=r) for r in step.reasons]
        return lines
    if step.outcome == "not_eligible":
        rules = _rule_reasons(plan, step.id, language)
        return lines + [rules.get(reason, reason) for reason in step.reasons]
    if step.outcome is not None:
        return lines  # the code says it; the reason's details are for operators
    for reason in step.reasons:
        sentence = _known_sentence(reason, _)
        if sentence is not None and sentence not in lines:
            lines.append(sentence)
    return lines
