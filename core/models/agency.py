"""The agency wire contract: what an agency receives and what it answers.

``agency_sdk`` re-exports these as its public API; changing a field here changes what every
agency's integration sees, webhooks and native workers alike.
"""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from core.models.common import Model

Decision = Literal["approved", "rejected", "needs_information"]


class AgencyRequest(Model):
    """What an agency receives: the webhook body, or its native activity's input."""

    model_config = ConfigDict(extra="allow")

    journey_id: str
    service_id: str
    life_event: str
    step_id: str
    data: dict[str, Any]
    callback_url: str
    # References issued by the services this one needs, by service id.
    prerequisites: dict[str, str] = Field(default_factory=dict)
    # The person's answers to what the agency asked, and which submission this is.
    information: dict[str, str] = Field(default_factory=dict)
    round: int = 1


class AgencyDecision(Model):
    """An agency's answer, given at once or later through a callback."""

    model_config = ConfigDict(extra="ignore")

    decision: Decision
    reference: str | None = Field(default=None, max_length=200)
    message: str | None = Field(default=None, max_length=2000)
    requested: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]] = Field(
        default_factory=list, max_length=20
    )
    # Which submission this decides (set by the orchestrator from the callback id).
    round: int = Field(default=1, ge=1)


class WithdrawalInput(Model):
    """Tell an agency that the person withdrew a request it already received."""

    journey_id: str
    agency_id: str
    url: str
    idempotency_key: str
    service_id: str
    step_id: str
    reference: str | None = None
