"""The public performance page and its JSON, in process: open to anyone, both languages,
figures from fewer than ten journeys or answers not shown."""

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session

from core.db import get_engine
from core.tables import FeedbackResponse
from tests.support.outcomes import outcome_row
from use_cases.reports import SMALL_GROUP


def _fill() -> None:
    with Session(get_engine()) as session:
        for n in range(SMALL_GROUP + 2):
            session.add(outcome_row(n, ended_on=date(2027, 1, 5), seconds_to_outcome=3 * 86400))
            session.add(
                FeedbackResponse(
                    journey_ref=f"ref-{n}",
                    life_event="birth",
                    services=[],
                    channel="web",
                    language="fr",
                    submitted_on=date(2027, 1, 6),
                    satisfaction=5 if n % 4 else 3,
                    trust=4,
                )
            )
        for n in range(3):
            session.add(outcome_row(100 + n, life_event="death", ended_on=date(2027, 1, 5)))
        session.commit()


def test_the_figures_are_public_as_json_and_a_page_in_both_languages(web: TestClient) -> None:
    assert web.get("/v1/performance").json() == []
    _fill()  # the figures kept from the first answer are computed again
    answer = web.get("/v1/performance")
    assert answer.status_code == 200, answer.text
    birth, death = answer.json()
    [quarter] = birth["quarters"]
    assert (quarter["journeys"], quarter["median_days_to_outcome"]) == (SMALL_GROUP + 2, 3.0)
    assert (quarter["responses"], quarter["satisfied_share"], quarter["trust_share"]) == (
        SMALL_GROUP + 2,
        round(9 / 12, 4),
        1.0,
    )
    [small] = death["quarters"]
    assert (small["journeys"], small["median_days_to_outcome"]) == (None, None)

    page = web.get("/performance")
    assert page.status_code == 200
    assert "How the service is performing" in page.text
    assert "Q2 of fiscal year 2027" in page.text
    assert "75%" in page.text and "3 days" in page.text
    assert f"Fewer than {SMALL_GROUP}" in page.text  # the deaths
    web.cookies.set("lang", "fr")
    french = web.get("/performance")
    assert "Les résultats du service" in french.text
    assert "T2 de l’exercice 2027" in french.text
    assert "75\u00a0%" in french.text and "3 jours" in french.text


def test_no_figures_yet(web: TestClient) -> None:
    page = web.get("/performance")
    assert page.status_code == 200 and 'id="no-figures"' in page.text
    assert web.get("/v1/performance").json() == []
