"""GET /v1/reports/cx, /v1/reports/equity and /v1/reports/time-tax: operators only, bounded
query parameters, the CSV read back by the csv module, small groups suppressed; on the API in
process, on its own
database filled with survey and outcome rows by hand."""

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from core.db import get_engine
from core.tables import FeedbackResponse
from tests.security.inprocess import InProcessApi, in_process_api
from tests.support.outcomes import outcome_row
from use_cases.reports import CSV_COLUMNS, SMALL_GROUP

OPERATOR = {"Authorization": "Bearer test-reports-operator-token"}


@pytest.fixture
def api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, temporal_env: WorkflowEnvironment
) -> Iterator[InProcessApi]:
    monkeypatch.setenv("OPERATOR_TOKENS", "reports:test-reports-operator-token")
    with in_process_api(
        f"sqlite:///{tmp_path / 'app.db'}", tmp_path, monkeypatch, temporal_env
    ) as api:
        with Session(get_engine()) as session:
            for n in range(SMALL_GROUP + 3):
                session.add(
                    FeedbackResponse(
                        journey_ref=f"ref-{n}",
                        life_event="birth",
                        services=["civil-registry.birth"],
                        channel="web",
                        language="en" if n < SMALL_GROUP else "fr",
                        submitted_on=date(2026, 11, 1) if n % 2 else date(2027, 2, 1),
                        satisfaction=5 if n % 2 else 2,
                        trust=4,
                        comment="Jordan Doe, jordan@example.org",
                    )
                )
            for n in range(SMALL_GROUP + 4):
                session.add(
                    outcome_row(
                        n,
                        region="QC" if n < SMALL_GROUP else "ON",
                        ended_on=date(2026, 11, 2) if n < 4 else date(2027, 1, 5),
                        state="failed" if n % 5 == 0 else "completed",
                    )
                )
            session.commit()
        yield api


def test_reports_are_for_operators_only(api: InProcessApi) -> None:
    for path in (
        "/v1/reports/cx",
        "/v1/reports/equity?dimension=language",
        "/v1/reports/time-tax",
    ):
        assert api.client.get(path).status_code == 401
        refused = api.client.get(path, headers={"Authorization": "Bearer not-an-operator"})
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert api.client.get(path, headers=OPERATOR).status_code == 200


def test_query_parameters_are_checked_with_their_path(api: InProcessApi) -> None:
    def invalid(path: str, **params: str) -> list[list[str | int]]:
        response = api.client.get(path, params=params, headers=OPERATOR)
        assert response.status_code == 422, response.text
        return [error["loc"] for error in response.json()["errors"]]

    assert invalid("/v1/reports/cx", format="xlsx") == [["query", "format"]]
    assert invalid("/v1/reports/cx", **{"from": "2026-13-01"}) == [["query", "from"]]
    assert invalid("/v1/reports/cx", to="1999-12-31") == [["query", "to"]]
    assert invalid("/v1/reports/cx", service="../etc") == [["query", "service"]]
    assert invalid("/v1/reports/cx", life_event="x" * 101) == [["query", "life_event"]]
    assert invalid("/v1/reports/cx", **{"from": "2027-01-02", "to": "2027-01-01"}) == [
        ["query", "from"]
    ]
    assert invalid("/v1/reports/equity", dimension="age") == [["query", "dimension"]]
    assert invalid("/v1/reports/time-tax", to="2100-01-01") == [["query", "to"]]
    assert invalid("/v1/reports/time-tax", life_event="Birth!") == [["query", "life_event"]]
    assert invalid("/v1/reports/equity") == [["query", "dimension"]]


def test_the_cx_report_per_quarter_as_json_and_csv(api: InProcessApi) -> None:
    answer = api.client.get("/v1/reports/cx", params={"life_event": "birth"}, headers=OPERATOR)
    assert answer.status_code == 200, answer.text
    groups = answer.json()
    assert [(g["fiscal_year"], g["quarter"]) for g in groups] == [(2027, 1), (2027, 2)]
    assert [g["responses"] for g in groups] == [6, 7]
    assert groups[0]["items"]["satisfaction"]["mean"] == 5.0
    assert groups[1]["items"]["satisfaction"]["agree_share"] == 0.0
    assert "Jordan" not in answer.text and "ref-" not in answer.text

    period = {"from": "2026-10-01", "to": "2026-12-31", "format": "csv"}
    exported = api.client.get("/v1/reports/cx", params=period, headers=OPERATOR)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(exported.text, newline=""))
    assert reader.fieldnames == CSV_COLUMNS
    [line] = list(reader)
    assert (line["fiscal_year"], line["quarter"], line["volume_of_respondents"]) == (
        "2027",
        "1",
        "6",
    )
    assert (line["q1_5"], line["q1_point_scale"], line["q2_agree_share"]) == ("6", "5.0", "1.0")

    none = api.client.get("/v1/reports/cx", params={"service": "other.service"}, headers=OPERATOR)
    assert none.json() == []


def test_the_equity_report_suppresses_small_groups(api: InProcessApi) -> None:
    answer = api.client.get(
        "/v1/reports/equity", params={"dimension": "language"}, headers=OPERATOR
    )
    assert answer.status_code == 200, answer.text
    english, french = answer.json()
    assert (english["group"], english["suppressed"], english["responses"]) == ("en", False, 10)
    assert english["items"]["trust"]["mean"] == 4.0
    assert (french["group"], french["suppressed"], french["responses"]) == ("fr", True, None)
    assert french["items"] is None
    # The outcome rows are all in English.
    assert english["outcomes"]["journeys"] == SMALL_GROUP + 4
    assert (french["outcomes_suppressed"], french["outcomes"]) == (True, None)
    [web] = api.client.get(
        "/v1/reports/equity", params={"dimension": "channel"}, headers=OPERATOR
    ).json()
    assert (web["group"], web["responses"]) == ("web", SMALL_GROUP + 3)


def test_equity_per_region_from_the_journeys(api: InProcessApi) -> None:
    answer = api.client.get("/v1/reports/equity", params={"dimension": "region"}, headers=OPERATOR)
    assert answer.status_code == 200, answer.text
    ontario, quebec = answer.json()
    assert (ontario["group"], ontario["outcomes_suppressed"], ontario["outcomes"]) == (
        "ON",
        True,
        None,
    )
    assert quebec["group"] == "QC" and quebec["suppressed"] is True  # the survey keeps no region
    assert quebec["outcomes"]["journeys"] == SMALL_GROUP
    assert quebec["outcomes"]["completion_rate"] == 0.8  # n = 0 and 5 failed


def test_the_time_tax_report_per_quarter(api: InProcessApi) -> None:
    answer = api.client.get(
        "/v1/reports/time-tax", params={"life_event": "birth"}, headers=OPERATOR
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert "OMB" in report["assumption"]
    first, second = report["groups"]
    assert (first["fiscal_year"], first["quarter"], first["suppressed"]) == (2027, 1, True)
    assert first["outcomes"] is None
    assert (second["quarter"], second["suppressed"]) == (2, False)
    figures = second["outcomes"]
    assert figures["journeys"] == SMALL_GROUP  # from January
    assert figures["time_tax"]["minutes_saved"] == 150 * figures["journeys"]
    assert figures["time_tax"]["contacts_avoided"] == 5 * figures["journeys"]
    assert "outcome-" not in answer.text
    period = {"from": "2027-02-01"}
    assert (
        api.client.get("/v1/reports/time-tax", params=period, headers=OPERATOR).json()["groups"]
        == []
    )
