"""What the person tells a running journey: consents, answers, confirmation, cancellation."""

from typing import Annotated, Any

from pydantic import ConfigDict, Field

from core.models.common import Model


class Confirmation(Model):
    """The person a proactive journey was offered to confirms it: who they are, what to do."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "informant": {
                        "national_id": "456789123",
                        "given_name": "Marc",
                        "family_name": "Gagnon",
                        "birth_date": "1958-01-20",
                        "relationship": "spouse",
                    },
                    "services": ["pension.stop-payments", "tax.final-return"],
                    "consents": ["pension.stop-payments", "tax.final-return"],
                }
            ]
        },
    )

    informant: dict[str, Any]
    services: list[str] = Field(min_length=1, max_length=50)
    consents: list[str] = Field(default_factory=list, max_length=50)


class ConsentAnswer(Model):
    """The person gives or refuses (or withdraws) consent for one service's purpose."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"service_id": "health.child-health-card", "given": True}]},
    )

    service_id: str = Field(min_length=1, max_length=100)
    given: bool


class InformationAnswer(Model):
    """The person answers a request for information, field by field."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "request_id": "pension.survivor-benefit/information/1",
                    "answers": {"bank_account": "00123-004-5550001"},
                }
            ]
        },
    )

    request_id: str = Field(min_length=1, max_length=300)
    answers: dict[str, Annotated[str, Field(min_length=1, max_length=500)]] = Field(max_length=50)


class CancelRequest(Model):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Reported by mistake"}]}
    )

    reason: str | None = Field(default=None, max_length=500)
