"""The reports' arithmetic on hand-built survey rows: counts per score, the share of 4–5, the
mean, the fiscal quarter, and the CSV read back by the csv module."""

import csv
import io
from datetime import date

from tests.support.outcomes import feedback_row
from use_cases.reports import CSV_COLUMNS, cx_csv, cx_report, fiscal_quarter, score


def test_an_items_score_counts_each_point_the_agree_share_and_the_mean() -> None:
    found = score([5, 4, 4, 2, 1, 5, 3])
    assert found.counts == {"1": 1, "2": 1, "3": 1, "4": 2, "5": 2}
    assert found.answered == 7
    assert found.agree_share == round(4 / 7, 4) == 0.5714
    assert found.mean == round(24 / 7, 2) == 3.43
    nobody = score([])
    assert (nobody.answered, nobody.agree_share, nobody.mean) == (0, None, None)
    assert set(nobody.counts.values()) == {0}


def test_the_fiscal_year_starts_in_october() -> None:
    assert fiscal_quarter(date(2026, 10, 1)) == (2027, 1)
    assert fiscal_quarter(date(2026, 12, 31)) == (2027, 1)
    assert fiscal_quarter(date(2027, 1, 1)) == (2027, 2)
    assert fiscal_quarter(date(2027, 4, 30)) == (2027, 3)
    assert fiscal_quarter(date(2027, 9, 30)) == (2027, 4)


def test_cx_groups_by_life_event_service_quarter_and_channel() -> None:
    two_services = ["civil-registry.birth", "health.card"]
    rows = [
        feedback_row(1, services=two_services, satisfaction=5, trust=4),
        feedback_row(2, services=two_services, satisfaction=2, trust=None),
        feedback_row(3, services=["health.card"], satisfaction=4, submitted_on=date(2027, 1, 5)),
        feedback_row(4, services=["health.card"], satisfaction=1, channel="api"),
        feedback_row(5, life_event="death", services=[], satisfaction=3),
    ]
    groups = cx_report(rows)
    keys = [(g.life_event, g.service, g.fiscal_year, g.quarter, g.channel) for g in groups]
    assert keys == [
        ("birth", "civil-registry.birth", 2027, 1, "web"),
        ("birth", "health.card", 2027, 1, "api"),
        ("birth", "health.card", 2027, 1, "web"),
        ("birth", "health.card", 2027, 2, "web"),
        ("death", None, 2027, 1, "web"),
    ]
    registry = groups[0]
    assert registry.responses == 2
    assert registry.items["satisfaction"].counts == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert registry.items["satisfaction"].mean == 3.5
    assert registry.items["satisfaction"].agree_share == 0.5
    assert registry.items["trust"].answered == 1
    assert registry.items["efficiency"].answered == 0

    only = cx_report(rows, service="civil-registry.birth")
    assert [g.service for g in only] == ["civil-registry.birth"]


def test_the_csv_reads_back_in_the_touchpoints_columns() -> None:
    rows = [feedback_row(1, satisfaction=5, trust=4), feedback_row(2, satisfaction=3, trust=None)]
    text = cx_csv(cx_report(rows))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames == CSV_COLUMNS
    [line] = list(reader)
    assert line["fiscal_year"] == "2027" and line["quarter"] == "1"
    assert (line["life_event"], line["service_provided"], line["channel"]) == (
        "birth",
        "civil-registry.birth",
        "web",
    )
    assert line["volume_of_respondents"] == "2"
    # q1 is satisfaction, q2 trust, q7 employee helpfulness (A-11's order).
    assert [line[f"q1_{point}"] for point in range(1, 6)] == ["0", "0", "1", "0", "1"]
    assert (line["q1_total"], line["q1_point_scale"], line["q1_agree_share"]) == (
        "2",
        "4.0",
        "0.5",
    )
    assert (line["q2_total"], line["q2_point_scale"], line["q2_agree_share"]) == ("1", "4.0", "1.0")
    assert (line["q7_total"], line["q7_point_scale"], line["q7_agree_share"]) == ("0", "", "")
    assert cx_csv([]).strip() == ",".join(CSV_COLUMNS)
