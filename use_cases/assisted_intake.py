"""Assisted intake, as the API and the console both file it: the person's intake (validated
as theirs, the same journey and e-mails), then the channel ``assisted`` and the consent's
attestation recorded once per journey, and the audit entry under the operator's name. The
caller e-mails the person their link (``links.send_fresh_link``) when the journey started."""

from typing import Any, Literal

from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import audit
from core.settings import Settings
from core.tables import AssistedIntake
from use_cases import intake
from use_cases.examples import INTAKE_EXAMPLES
from use_cases.gateway import TemporalGateway


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


async def submit(
    *,
    session: Session,
    settings: Settings,
    gateway: TemporalGateway,
    operator: str,
    life_event: str,
    body: AssistedIntakeBody,
    idempotency_key: str | None,
) -> tuple[AssistedIntakeAccepted, bool]:
    """The accepted intake, and whether its journey started now (not a replay under the same
    Idempotency-Key). Raises as ``intake.submit`` does (``Unprocessable``: paths in the
    intake)."""
    accepted, started = await intake.submit(
        session=session,
        settings=settings,
        gateway=gateway,
        life_event=life_event,
        body=body.intake,
        bearer_token=None,  # the journey is the person's, never the caseworker's account
        idempotency_key=idempotency_key,
    )
    await run_in_threadpool(_record, session, accepted.journey_id, operator, life_event, body)
    return (
        AssistedIntakeAccepted(
            journey_id=accepted.journey_id,
            status_url=accepted.status_url,
            life_event=accepted.life_event,
            services=accepted.services,
        ),
        started,
    )
