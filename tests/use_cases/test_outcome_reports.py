"""The time-tax report on hand-built outcome rows: per life event and fiscal quarter, with the
estimate's assumption, and small groups suppressed."""

from datetime import date

from core.time_tax import ASSUMPTION
from tests.support.outcomes import outcome_row
from use_cases.outcome_reports import time_tax_report
from use_cases.reports import SMALL_GROUP


def test_per_life_event_and_quarter_small_groups_suppressed() -> None:
    rows = [outcome_row(n, ended_on=date(2026, 12, 1), seconds_to_outcome=n) for n in range(11)]
    rows += [outcome_row(50 + n, ended_on=date(2027, 1, 2)) for n in range(SMALL_GROUP - 1)]
    rows += [
        outcome_row(90 + n, life_event="death", contacts_avoided=n) for n in range(SMALL_GROUP)
    ]
    report = time_tax_report(rows)
    assert report.assumption == ASSUMPTION
    birth_q1, birth_q2, death = report.groups
    assert (birth_q1.life_event, birth_q1.fiscal_year, birth_q1.quarter) == ("birth", 2027, 1)
    assert birth_q1.outcomes is not None
    assert (birth_q1.outcomes.journeys, birth_q1.outcomes.median_seconds_to_outcome) == (11, 5)
    assert birth_q1.outcomes.time_tax.minutes_saved == 11 * 150
    assert (birth_q2.quarter, birth_q2.suppressed, birth_q2.outcomes) == (2, True, None)
    assert death.outcomes is not None
    assert death.outcomes.time_tax.contacts_avoided == sum(range(SMALL_GROUP))
    assert death.outcomes.time_tax.mean_contacts_avoided == 4.5
    assert death.outcomes.completion_rate == 1.0
