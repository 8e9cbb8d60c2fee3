"""Custom search attributes of journeys: what operators filter on in our API, the UI and the CLI.

Search attributes are stored unencrypted by Temporal: only codes go here, never personal data.
"""

from temporalio.common import SearchAttributeKey

LIFE_EVENT = SearchAttributeKey.for_keyword("LifeEvent")
JOURNEY_STATE = SearchAttributeKey.for_keyword("JourneyState")
JOURNEY_AGENCIES = SearchAttributeKey.for_keyword_list("JourneyAgencies")
# Set when a step's agency missed its SLA and the service escalates: for operators to act.
JOURNEY_ESCALATED = SearchAttributeKey.for_bool("JourneyEscalated")
# Set once any step's agency missed its SLA (the step failed on it, or escalated).
JOURNEY_SLA_BREACHED = SearchAttributeKey.for_bool("JourneySlaBreached")
# Since when the journey waits on the person, in Unix seconds (absent while it does not):
# "waiting for more than N days" is a visibility query. An Int, not a Datetime: the
# time-skipping test server hands Datetime values back in a form the SDK cannot read.
JOURNEY_WAITING_SINCE = SearchAttributeKey.for_int("JourneyWaitingSince")

ALL = (
    LIFE_EVENT,
    JOURNEY_STATE,
    JOURNEY_AGENCIES,
    JOURNEY_ESCALATED,
    JOURNEY_SLA_BREACHED,
    JOURNEY_WAITING_SINCE,
)


def dev_server_flags() -> list[str]:
    """The ``temporal server start-dev`` flags that register them."""
    type_names = {
        "KEYWORD": "Keyword",
        "KEYWORD_LIST": "KeywordList",
        "BOOL": "Bool",
        "INT": "Int",
    }
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={type_names[key.indexed_value_type.name]}"]
    return flags
