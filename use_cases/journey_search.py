"""Operators' search for journeys: filters checked into a Temporal visibility query over our
search attributes (core/search_attributes.py), the same query the Temporal UI and
`temporal workflow list -q` take. One filter for every place that finds journeys: the query of
``GET /v1/journeys``, the console's journeys page, and bulk actions (API and console).

Every value is checked before it goes into the query: codes against a strict pattern, states
against the known ones, numbers and dates as such; nothing an operator types is quoted into it
as is.
"""

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from core import search_attributes
from core.models import JourneyState

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{0,99}$")]
MAX_WAITING_DAYS = 3650
# Dates a journey can have started on: anything else is a typing mistake.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


class JourneyFilter(BaseModel):
    """What an operator looks for; every field optional (absent: not filtered on). Flags take
    ``true``/``false`` (the API's) as well as ``yes``/``no`` (the console's forms)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    life_event: Code | None = None
    state: JourneyState | None = None
    agency: Code | None = None
    escalated: bool | None = None
    sla_breached: bool | None = None
    waiting_days: int | None = Field(default=None, ge=0, le=MAX_WAITING_DAYS)
    started_from: date | None = Field(default=None, ge=EARLIEST, le=LATEST)
    started_to: date | None = Field(default=None, ge=EARLIEST, le=LATEST)

    @model_validator(mode="after")
    def _dates_in_order(self) -> "JourneyFilter":
        if self.started_from and self.started_to and self.started_from > self.started_to:
            raise ValueError("started_from is after started_to")
        return self

    def form_values(self) -> dict[str, str]:
        """The filter as the console's forms write it (absent fields left out, flags yes or
        no)."""
        return {
            name: ("yes" if value else "no") if isinstance(value, bool) else str(value)
            for name, value in self.model_dump(exclude_none=True).items()
        }

    def query_string(self) -> str:
        """The filter as the console's URL query."""
        return urlencode(self.form_values())

    def canonical_json(self) -> str:
        """The filter as one exact text (absent fields left out, keys sorted): what a bulk
        action's preview token and a listing's cursor bind."""
        return json.dumps(
            self.model_dump(mode="json", exclude_none=True), sort_keys=True, separators=(",", ":")
        )

    def visibility_query(self, now: datetime) -> str:
        """The Temporal visibility query; ``now`` dates "waiting for more than N days"."""
        clauses = ['WorkflowType = "LifeEventJourney"']
        if self.life_event is not None:
            clauses.append(f'{search_attributes.LIFE_EVENT.name} = "{self.life_event}"')
        if self.state is not None:
            clauses.append(f'{search_attributes.JOURNEY_STATE.name} = "{self.state}"')
        if self.agency is not None:
            clauses.append(f'{search_attributes.JOURNEY_AGENCIES.name} = "{self.agency}"')
        if self.escalated is not None:
            clauses.append(_flag(search_attributes.JOURNEY_ESCALATED.name, self.escalated))
        if self.sla_breached is not None:
            clauses.append(_flag(search_attributes.JOURNEY_SLA_BREACHED.name, self.sla_breached))
        if self.waiting_days is not None:
            since = int((now - timedelta(days=self.waiting_days)).timestamp())
            clauses.append(f"{search_attributes.JOURNEY_WAITING_SINCE.name} <= {since}")
        if self.started_from is not None:
            start = datetime.combine(self.started_from, time.min, UTC)
            clauses.append(f'StartTime >= "{_instant(start)}"')
        if self.started_to is not None:
            end = datetime.combine(self.started_to + timedelta(days=1), time.min, UTC)
            clauses.append(f'StartTime < "{_instant(end)}"')
        return " AND ".join(clauses)


def _flag(name: str, value: bool) -> str:
    # Absent counts as false: journeys never escalated carry no value at all.
    return f"{name} = true" if value else f"({name} = false OR {name} IS NULL)"


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def temporal_ui_query_url(ui_url: str, namespace: str, query: str) -> str:
    """The same query in the Temporal UI's workflow list."""
    return f"{ui_url}/namespaces/{namespace}/workflows?{urlencode({'query': query})}"


def temporal_ui_journey_url(ui_url: str, namespace: str, journey_id: str) -> str:
    """A journey's history in the Temporal UI (payloads decoded through the codec server)."""
    return f"{ui_url}/namespaces/{namespace}/workflows/{journey_id}"
