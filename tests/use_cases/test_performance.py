"""The public performance figures on hand-built rows: per life event and quarter, newest first,
each figure suppressed on its own under ten journeys or responses."""

from datetime import date
from typing import Any

from core.tables import FeedbackResponse
from tests.support.outcomes import feedback_row, outcome_row
from use_cases.performance import performance
from use_cases.reports import SMALL_GROUP


def _response(n: int, **fields: Any) -> FeedbackResponse:
    """A survey answer of early 2027, satisfied and trusting."""
    values: dict[str, Any] = {
        "services": [],
        "submitted_on": date(2027, 1, 10),
        "satisfaction": 5,
        "trust": 4,
    }
    return feedback_row(n, **(values | fields))


def test_volumes_median_time_and_shares_per_quarter() -> None:
    ended = [
        outcome_row(n, ended_on=date(2027, 1, 5), seconds_to_outcome=86400 * (1 + n % 3))
        for n in range(SMALL_GROUP + 1)
    ]
    ended += [outcome_row(100 + n, ended_on=date(2026, 11, 5)) for n in range(SMALL_GROUP - 1)]
    answers = [
        _response(n, satisfaction=2 if n < 3 else 5, trust=None if n == 0 else 4)
        for n in range(SMALL_GROUP)
    ]
    [birth] = performance(ended, answers)
    assert birth.life_event == "birth" and birth.title is not None and birth.title.en
    newest, older = birth.quarters
    assert (newest.fiscal_year, newest.quarter, newest.journeys) == (2027, 2, SMALL_GROUP + 1)
    assert newest.median_days_to_outcome == 2.0
    assert (newest.responses, newest.satisfied_share) == (SMALL_GROUP, 0.7)
    assert newest.trust_share == 1.0  # of the nine who answered it
    assert (older.quarter, older.journeys, older.median_days_to_outcome) == (1, None, None)
    assert (older.responses, older.satisfied_share, older.trust_share) == (None, None, None)


def test_a_life_event_known_only_from_the_survey_is_listed_without_a_title() -> None:
    [unknown] = performance([], [_response(n, life_event="no-such-event") for n in range(3)])
    assert (unknown.life_event, unknown.title) == ("no-such-event", None)
    [quarter] = unknown.quarters
    assert (quarter.journeys, quarter.responses) == (None, None)
