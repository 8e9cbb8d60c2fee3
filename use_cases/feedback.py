"""The post-transaction survey: one response per ended journey, kept without anything that
identifies the person, and read by operators only as aggregates."""

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.ids import feedback_ref
from core.models import JourneyStatus, Language
from core.redaction import redact_text
from core.tables import FeedbackResponse
from use_cases.errors import FeedbackRefused

# The A-11 Section 280 items, each on a 5-point scale (1: strongly disagree … 5: strongly agree).
ITEMS = (
    "satisfaction",
    "trust",
    "effectiveness",
    "ease",
    "efficiency",
    "transparency",
    "employee_helpfulness",
)
WentWell = Literal[
    "told_once",
    "easy_to_complete",
    "quick",
    "clear_information",
    "kept_informed",
    "helpful_staff",
    "trustworthy",
]
DidNotGoWell = Literal[
    "hard_to_complete",
    "slow",
    "unclear_information",
    "asked_again",
    "not_kept_informed",
    "unhelpful_staff",
    "technical_problem",
]
COMMENT_MAX = 1000
ENDED = frozenset({"completed", "completed_with_issues", "failed", "cancelled"})
# What in an intake names the person: taken out of a comment wherever it appears.
_PERSONAL_KEYS = frozenset({"given_name", "family_name", "national_id", "email", "phone"})


class Feedback(BaseModel):
    """A person's answers. Only ``satisfaction`` (the overall item) is required: a response
    without it says little, and the other items may be skipped."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "satisfaction": 5,
                    "trust": 4,
                    "effectiveness": 5,
                    "ease": 4,
                    "efficiency": 4,
                    "transparency": 3,
                    "employee_helpfulness": None,
                    "went_well": ["told_once", "quick"],
                    "did_not_go_well": ["unclear_information"],
                    "comment": "I did not know the health card needed my consent.",
                    "channel": "web",
                }
            ]
        },
    )

    satisfaction: int = Field(ge=1, le=5, description="I am satisfied with the service (1–5)")
    trust: int | None = Field(
        default=None, ge=1, le=5, description="This interaction increased my trust (1–5)"
    )
    effectiveness: int | None = Field(
        default=None, ge=1, le=5, description="My need was addressed (1–5)"
    )
    ease: int | None = Field(default=None, ge=1, le=5, description="It was easy (1–5)")
    efficiency: int | None = Field(
        default=None, ge=1, le=5, description="It took a reasonable amount of time (1–5)"
    )
    transparency: int | None = Field(
        default=None, ge=1, le=5, description="I understood what was happening (1–5)"
    )
    employee_helpfulness: int | None = Field(
        default=None, ge=1, le=5, description="Staff were helpful (1–5; null: I met none)"
    )
    went_well: list[WentWell] = Field(default_factory=list, max_length=7)
    did_not_go_well: list[DidNotGoWell] = Field(default_factory=list, max_length=7)
    comment: str | None = Field(
        default=None,
        max_length=COMMENT_MAX,
        description="Free text; e-mail addresses, ids, dates and the person's own details are "
        "taken out before it is stored",
    )
    channel: Literal["api", "web"] = Field(
        default="api", description="Where the response came from: the web pages pass 'web'"
    )


class FeedbackReceived(BaseModel):
    detail: str


def _personal(intake: Any) -> list[str]:
    """The strings of an intake that name the person (names, ids, contact details)."""
    found: list[str] = []
    if isinstance(intake, dict):
        for key, value in intake.items():
            if key in _PERSONAL_KEYS and isinstance(value, str):
                found.append(value)
            else:
                found += _personal(value)
    elif isinstance(intake, list):
        for item in intake:
            found += _personal(item)
    return found


def _language(intake: dict[str, Any] | None) -> Language:
    language = ((intake or {}).get("contact") or {}).get("language")
    return "fr" if language == "fr" else "en"


def given(session: Session, secret: str, journey_id: str) -> bool:
    """Whether the journey's one response was given already (its page then says thanks)."""
    ref = feedback_ref(secret, journey_id)
    return (
        session.exec(select(FeedbackResponse.id).where(FeedbackResponse.journey_ref == ref)).first()
        is not None
    )


def record(
    session: Session,
    secret: str,
    status: JourneyStatus,
    intake: dict[str, Any] | None,
    answers: Feedback,
    language: Language | None = None,
) -> None:
    """Store one response for the journey; FeedbackRefused when it is not the time or not the
    first. The unique journey_ref decides between two concurrent first responses. The language
    is the one the person answered in (a web page's), else the journey's."""
    if status.state not in ENDED:
        raise FeedbackRefused(
            "The journey has not ended yet: tell us how it went once it has",
            "journey-not-ended",
        )
    comment = None
    if answers.comment and answers.comment.strip():
        # Addresses, ids and dates first, whole; then the person's own details wherever they are.
        comment = redact_text(redact_text(answers.comment.strip()), _personal(intake))
        comment = comment[:COMMENT_MAX]
    services = [
        step.id
        for step in status.steps
        if step.kind == "agency_service" and step.outcome != "not_chosen"
    ]
    session.add(
        FeedbackResponse(
            journey_ref=feedback_ref(secret, status.journey_id),
            life_event=status.life_event,
            services=services,
            channel=answers.channel,
            language=language or _language(intake),
            submitted_on=datetime.now(UTC).date(),
            **{item: getattr(answers, item) for item in ITEMS},
            went_well=sorted(set(answers.went_well)),
            did_not_go_well=sorted(set(answers.did_not_go_well)),
            comment=comment,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise FeedbackRefused(
            "This journey's feedback was already given: one response per journey",
            "feedback-already-given",
        ) from None


class ItemSummary(BaseModel):
    answered: int = Field(description="How many responses rated this item")
    mean: float | None = Field(description="Their mean (1–5), rounded to 2 places")


class LifeEventFeedback(BaseModel):
    life_event: str
    responses: int
    items: dict[str, ItemSummary]
    went_well: dict[str, int]
    did_not_go_well: dict[str, int]


def summarise(session: Session, life_event: str | None) -> list[LifeEventFeedback]:
    """Counts and means per item per life event: nothing per person (no comments either)."""
    statement = select(FeedbackResponse)
    if life_event is not None:
        statement = statement.where(FeedbackResponse.life_event == life_event)
    grouped: dict[str, list[FeedbackResponse]] = defaultdict(list)
    for row in session.exec(statement):
        grouped[row.life_event].append(row)
    summaries = []
    for event, rows in sorted(grouped.items()):
        items = {}
        for item in ITEMS:
            values = [v for v in (getattr(row, item) for row in rows) if v is not None]
            mean = round(sum(values) / len(values), 2) if values else None
            items[item] = ItemSummary(answered=len(values), mean=mean)
        summaries.append(
            LifeEventFeedback(
                life_event=event,
                responses=len(rows),
                items=items,
                went_well=dict(Counter(c for row in rows for c in row.went_well)),
                did_not_go_well=dict(Counter(c for row in rows for c in row.did_not_go_well)),
            )
        )
    return summaries
