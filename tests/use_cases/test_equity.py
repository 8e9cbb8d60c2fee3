"""The equity report on hand-built survey and outcome rows: each part of a group suppressed on
its own under ten, and a region known only from journeys."""

from tests.support.outcomes import feedback_row, outcome_row
from use_cases.equity import equity_report
from use_cases.reports import SMALL_GROUP


def test_equity_suppresses_groups_under_ten_responses() -> None:
    rows = [
        feedback_row(n, language="en", satisfaction=4 + n % 2, trust=3) for n in range(SMALL_GROUP)
    ]
    rows += [feedback_row(100 + n, language="fr", satisfaction=1) for n in range(SMALL_GROUP - 1)]
    english, french = equity_report(rows, [], "language")
    assert (english.group, english.suppressed, english.responses) == ("en", False, SMALL_GROUP)
    assert english.items is not None
    assert english.items["satisfaction"].mean == 4.5
    assert english.items["trust"].agree_share == 0.0
    assert set(english.items) == {"satisfaction", "trust"}
    assert french.model_dump() == {
        "group": "fr",
        "suppressed": True,
        "responses": None,
        "items": None,
        "outcomes_suppressed": True,
        "outcomes": None,
    }
    [web] = equity_report(rows, [], "channel")
    assert (web.group, web.responses) == ("web", 2 * SMALL_GROUP - 1)


def test_completion_time_to_outcome_and_time_tax_per_group() -> None:
    ended = [
        outcome_row(
            n,
            language="fr",
            state="completed" if n < 8 else "failed",
            seconds_to_outcome=60 * (n + 1),
            minutes_saved=None if n == 0 else 90,
        )
        for n in range(SMALL_GROUP)
    ]
    ended += [outcome_row(100 + n, language="en") for n in range(SMALL_GROUP - 1)]
    english, french = equity_report([], ended, "language")
    assert (english.group, english.outcomes_suppressed, english.outcomes) == ("en", True, None)
    assert (french.suppressed, french.outcomes_suppressed) == (True, False)
    figures = french.outcomes
    assert figures is not None
    assert (figures.journeys, figures.states) == (10, {"completed": 8, "failed": 2})
    assert figures.completion_rate == 0.8
    assert figures.median_seconds_to_outcome == (300 + 360) // 2
    tax = figures.time_tax
    assert (tax.contacts_avoided, tax.mean_contacts_avoided) == (50, 5.0)
    assert (tax.minutes_saved, tax.journeys_with_minutes, tax.mean_minutes_saved) == (810, 9, 90.0)


def test_regions_come_from_journeys_only() -> None:
    responses = [feedback_row(n) for n in range(SMALL_GROUP)]
    ended = [outcome_row(n, region="QC") for n in range(SMALL_GROUP)]
    ended += [outcome_row(100 + n) for n in range(3)]
    quebec, unknown = equity_report(responses, ended, "region")
    assert (quebec.group, quebec.suppressed, quebec.responses) == ("QC", True, None)
    assert quebec.outcomes is not None and quebec.outcomes.journeys == SMALL_GROUP
    assert (unknown.group, unknown.outcomes_suppressed) == ("not_given", True)
