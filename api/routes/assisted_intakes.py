"""Assisted intake: a caseworker (at a service counter, a registrar) files a life event on a
person's behalf, with the person's consent attested.

The intake is the person's own (the life event's schema, validated the same way, the same
journey and e-mails); what differs is recorded beside it: the channel ``assisted``, who attested
the consent (the operator, as the audit trail names them) and how. The person is e-mailed their
journey's link at once (the caseworker never receives the person's access token), and the
journey belongs to no signed-in account: not the caseworker's.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Body, Header, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.deps import GatewayDep, OperatorDep, SessionDep, SettingsDep
from api.errors import Unprocessable
from api.openapi import problem_responses
from api.routes.life_events import INTAKE_EXAMPLES
from api.services import intake, links
from lifeevents import audit
from lifeevents.tables import AssistedIntake

router = APIRouter(prefix="/v1/life-events", tags=["operators"])


class ConsentAttestation(BaseModel):
    """How the person gave their consent to the caseworker (the services they consented to
    are the intake's ``consents``)."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["in_person", "phone", "video", "paper_form"]
    evidence_reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9._/-]+$",
        description="The reference of the signed form or call record, if any (no personal data)",
    )


class AssistedIntakeBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "intake": INTAKE_EXAMPLES["birth"]["value"],
                    "consent": {"method": "in_person", "evidence_reference": "FORM-2026-0042"},
                }
            ]
        },
    )

    intake: dict[str, Any] = Field(description="The intake, per the life event's intake_schema")
    consent: ConsentAttestation


class AssistedIntakeAccepted(BaseModel):
    journey_id: str
    status_url: str
    life_event: str
    services: list[str]
    channel: Literal["assisted"] = "assisted"
    link_sent_to_person: bool = True


def _record(
    session: Session, journey_id: str, operator: str, life_event: str, body: AssistedIntakeBody
) -> None:
    """The channel and the attestation, once per journey (a replay under the same
    Idempotency-Key records nothing more), then the audit entry."""
    attestation = body.consent
    session.add(
        AssistedIntake(
            journey_id=journey_id,
            attested_by=operator,
            method=attestation.method,
            evidence_reference=attestation.evidence_reference,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return
    audit.append(
        session,
        actor=operator,
        action="assisted_intake",
        journey_id=journey_id,
        detail={
            "life_event": life_event,
            "channel": "assisted",
            "consent_method": attestation.method,
            "evidence_reference": attestation.evidence_reference,
            "consents": list(body.intake.get("consents") or []),
        },
    )


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
        accepted, started = await intake.submit(
            session=session,
            settings=settings,
            gateway=gateway,
            life_event=life_event,
            body=body.intake,
            bearer_token=None,  # the journey is the person's, never the caseworker's account
            idempotency_key=idempotency_key,
        )
    except Unprocessable as invalid:
        raise Unprocessable(
            [{**error, "loc": ["body", "intake", *error["loc"][1:]]} for error in invalid.details]
        ) from invalid
    await run_in_threadpool(_record, session, accepted.journey_id, operator, life_event, body)
    if started:
        background.add_task(links.send_fresh_link, settings, gateway, accepted.journey_id)
    else:
        response.status_code = status.HTTP_200_OK
    return AssistedIntakeAccepted(
        journey_id=accepted.journey_id,
        status_url=accepted.status_url,
        life_event=accepted.life_event,
        services=accepted.services,
    )
