"""Assisted intake: a caseworker (at a service counter, a registrar) files a life event on a
person's behalf, with the person's consent attested.

The intake is the person's own (the life event's schema, validated the same way, the same
journey and e-mails); what differs is recorded beside it: the channel ``assisted``, who attested
the consent (the operator, as the audit trail names them) and how. The person is e-mailed their
journey's link at once (the caseworker never receives the person's access token), and the
journey belongs to no signed-in account: not the caseworker's.
"""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Body, Header, Response, status

from api.deps import OperatorDep
from api.openapi import problem_responses
from use_cases import assisted_intake, links
from use_cases.assisted_intake import AssistedIntakeAccepted, AssistedIntakeBody
from use_cases.deps import GatewayDep, SessionDep, SettingsDep
from use_cases.errors import Unprocessable

router = APIRouter(prefix="/v1/life-events", tags=["operators"])


@router.post(
    "/{life_event}/assisted-intakes",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=AssistedIntakeAccepted,
    responses={
        200: {"description": "The same intake was already accepted under this Idempotency-Key"},
        **problem_responses(
            {
                404: "Unknown life event",
                409: "This Idempotency-Key was used for a different intake",
                429: "Too many identity checks failed lately for this national id",
            }
        ),
    },
)
async def submit_assisted_intake(
    life_event: str,
    body: Annotated[AssistedIntakeBody, Body()],
    operator: OperatorDep,
    response: Response,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    gateway: GatewayDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> AssistedIntakeAccepted:
    """File a life event on a person's behalf, their consent attested (``consent.method``: in
    person, by phone, by video, on a paper form). The intake is validated as the person's own
    (422 with the path under ``intake``); the person is e-mailed the journey's link."""
    try:
        accepted, started = await assisted_intake.submit(
            session=session,
            settings=settings,
            gateway=gateway,
            operator=operator,
            life_event=life_event,
            body=body,
            idempotency_key=idempotency_key,
        )
    except Unprocessable as invalid:
        raise Unprocessable(
            [{**error, "loc": ["body", "intake", *error["loc"][1:]]} for error in invalid.details]
        ) from invalid
    if started:
        background.add_task(links.send_fresh_link, settings, gateway, accepted.journey_id)
    else:
        response.status_code = status.HTTP_200_OK
    return accepted
