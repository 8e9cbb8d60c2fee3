"""The post-transaction survey: the person tells how it went, operators read the aggregates."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool

from api.deps import JourneyAccessDep, OperatorDep
from api.openapi import problem_responses
from use_cases import feedback
from use_cases.deps import GatewayDep, SessionDep, SettingsDep
from use_cases.feedback import Feedback, FeedbackReceived, LifeEventFeedback

router = APIRouter()


@router.post(
    "/v1/journeys/{journey_id}/feedback",
    tags=["journeys"],
    status_code=status.HTTP_201_CREATED,
    response_model=FeedbackReceived,
    responses=problem_responses(
        {
            403: "Operators cannot answer for the person",
            404: "No such journey, or another person's (a journey token never tells which)",
            409: "The journey has not ended yet (journey-not-ended), or its feedback was "
            "already given (feedback-already-given)",
        }
    ),
)
async def give_feedback(
    journey_id: str,
    answers: Feedback,
    access: JourneyAccessDep,
    gateway: GatewayDep,
    session: SessionDep,
    settings: SettingsDep,
) -> FeedbackReceived:
    """Once the journey has ended, and once per journey: the US OMB A-11 Section 280 items on
    a 5-point scale (``satisfaction`` required, the others optional), what went well and what
    did not (from fixed lists), and a comment. Stored without the journey's id or anything
    else that names the person: the life event, its services, the channel, the language and
    the day."""
    if access.by_operator:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Feedback is the person's own to give")
    journey = await gateway.journey_status(journey_id)
    intake = await gateway.journey_intake(journey_id)
    await run_in_threadpool(feedback.record, session, settings.app_secret, journey, intake, answers)
    return FeedbackReceived(detail="Thank you: your feedback was recorded")


@router.get("/v1/feedback/summary", tags=["operators"], response_model=list[LifeEventFeedback])
def get_feedback_summary(
    _: OperatorDep,
    session: SessionDep,
    life_event: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9.-]{0,99}$")] = None,
) -> list[LifeEventFeedback]:
    """Operators: per life event, how many responses, and per item how many rated it and
    their mean; how often each "went well" and "did not go well" choice was picked. Nothing
    per person: no comments, no days."""
    return feedback.summarise(session, life_event)
