"""What the journey's page says under each step: the page's language, whatever language the
workflows wrote the step's reasons in."""

from datetime import UTC, datetime

from core.identity_checks import GENERIC_REASON
from core.models import StepStatus
from web.i18n import translations
from web.step_explanations import explain

NOW = datetime(2026, 11, 26, tzinfo=UTC)
FR = translations("fr").gettext


def _step(**fields: object) -> StepStatus:
    return StepStatus.model_validate(
        {"id": "revenue.child-benefit", "kind": "agency_service", "updated_at": NOW, **fields}
    )


def test_an_outcome_code_is_said_in_the_pages_language() -> None:
    step = _step(state="skipped", outcome="consent_refused", reasons=["You did not consent."])
    assert explain(step, None, "fr", FR) == [
        "Vous n'avez pas donné votre consentement : rien n'a été transmis à cet organisme."
    ]


def test_a_declining_agency_keeps_its_own_words() -> None:
    step = _step(state="completed", outcome="rejected", reasons=["Already registered."])
    assert explain(step, None, "fr", FR) == [
        "L'organisme a refusé.",
        "Message de l'organisme : Already registered.",
    ]


def test_the_workflows_sentences_without_a_code_are_recognised() -> None:
    cancelled = _step(
        state="cancelled", reasons=["The journey was cancelled before this step ran."]
    )
    assert explain(cancelled, None, "fr", FR) == [
        FR("The journey was cancelled before this step ran.")
    ]
    late = _step(
        state="waiting_for_agency",
        reasons=["Revenue did not decide within the service's time limit. Escalated to operators."],
    )
    assert explain(late, None, "fr", FR) == [
        "L'organisme est en retard : nos agents font le suivi."
    ]
    # The identity step's one sentence, in the page's language whatever the journey's.
    identity = StepStatus(
        id="verify-identity",
        kind="identity",
        state="failed",
        updated_at=NOW,
        reasons=[GENERIC_REASON["en"]],
    )
    assert explain(identity, None, "fr", FR) == [GENERIC_REASON["fr"]]


def test_technical_details_stay_for_operators() -> None:
    step = _step(state="failed", outcome="submission_failed", reasons=["HTTP 503 from agency"])
    assert explain(step, None, "en", lambda text: text) == ["We could not send it to the agency."]
