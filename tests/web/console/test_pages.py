"""The console through the application, as a browser without JavaScript uses it: strangers
sent to sign in, the dev sign-in, filters checked, a journey opened only with a reason (audited
under the operator's name), saved views per operator, the CSV export."""

import csv
import io
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from core.db import get_engine
from core.settings import get_settings
from core.tables import AuditEntry, SavedView
from tests.support.stack import birth_intake
from tests.web.conftest import web
from tests.web.forms import hidden_fields
from web.sessions import OPERATOR_COOKIE

__all__ = ["web"]
PAGES = [
    "/console",
    "/console/journeys",
    "/console/journeys.csv",
    "/console/incidents",
    "/console/agencies",
    f"/console/journeys/{uuid.uuid4()}",
    "/console/bulk?life_event=birth",
    "/console/agencies/vital-statistics/services/vital-statistics.birth-registration/deliveries",
    "/console/assisted-intake",
    "/console/assisted-intake/birth",
]


def sign_in(web: TestClient, name: str = "operator", token: str = "dev-operator-token") -> None:
    form = web.get("/console/sign-in")
    answer = web.post(
        "/console/sign-in",
        data={**hidden_fields(form), "name": name, "token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    cookie = answer.headers["set-cookie"]
    for attribute in ("HttpOnly", "Secure", "SameSite=lax", "Max-Age="):
        assert attribute in cookie


@pytest.mark.parametrize("path", PAGES)
def test_strangers_are_sent_to_sign_in(web: TestClient, path: str) -> None:
    answer = web.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/sign-in?next=")


def test_a_forged_session_is_no_session(web: TestClient) -> None:
    web.cookies.set(OPERATOR_COOKIE, "eyJuIjoib3BlcmF0b3IiLCJlIjo5OTk5OTk5OTk5fQ.AAAA")
    assert web.get("/console/journeys", follow_redirects=False).status_code == 303


def test_sign_in_refuses_a_wrong_token_and_an_unknown_name(web: TestClient) -> None:
    form = web.get("/console/sign-in")
    for name, token in (("operator", "wrong"), ("mallory", "dev-operator-token")):
        answer = web.post(
            "/console/sign-in", data={**hidden_fields(form), "name": name, "token": token}
        )
        assert answer.status_code == 401
        assert "govuk-error-summary" in answer.text
    empty = web.post("/console/sign-in", data={**hidden_fields(form), "name": ""})
    assert empty.status_code == 422 and 'href="#name"' in empty.text
    no_csrf = web.post("/console/sign-in", data={"name": "operator", "token": "x"})
    assert no_csrf.status_code == 403


def test_development_signs_in_with_the_name_alone_and_back_where_it_was(web: TestClient) -> None:
    page = web.get("/console/incidents")
    assert page.url.path == "/console/sign-in"
    answer = web.post(
        "/console/sign-in",
        data={**hidden_fields(page), "name": "operator"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/console/incidents"
    # Never sent to another site after signing in.
    elsewhere = web.post(
        "/console/sign-in",
        data={**hidden_fields(page), "name": "operator", "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/console"


def test_sign_out_ends_the_session(web: TestClient) -> None:
    sign_in(web)
    page = web.get("/console/journeys")
    out = web.post("/console/sign-out", data=hidden_fields(page), follow_redirects=False)
    assert out.status_code == 303
    assert web.get("/console/journeys", follow_redirects=False).status_code == 303


def test_filters_are_checked_and_named_in_the_error_summary(web: TestClient) -> None:
    sign_in(web)
    bad = web.get(
        "/console/journeys",
        params={
            "state": "nonsense",
            "waiting_days": "-1",
            "agency": 'x" OR 1=1',
            "started_from": "2026-12-01",
            "started_to": "2026-11-01",
        },
    )
    assert bad.status_code == 422
    for field in ("state", "waiting_days", "agency"):
        assert f'href="#{field}"' in bad.text
    reversed_dates = web.get(
        "/console/journeys", params={"started_from": "2026-12-01", "started_to": "2026-11-01"}
    )
    assert reversed_dates.status_code == 422 and 'href="#started_from"' in reversed_dates.text


def test_the_journeys_page_counts_pages_and_links_the_query(web: TestClient) -> None:
    sign_in(web)
    page = web.get("/console/journeys", params={"life_event": "birth", "escalated": "no"})
    assert page.status_code == 200
    assert "journeys found" in page.text
    assert "LifeEvent = &#34;birth&#34;" in page.text
    assert "/namespaces/default/workflows?query=" in page.text
    french = web.get("/console/journeys", headers={"Accept-Language": "fr"})
    assert "Trouver des parcours" in french.text


def test_an_altered_cursor_is_refused_not_followed(web: TestClient) -> None:
    sign_in(web)
    page = web.get("/console/journeys", params={"cursor": "eyJ0.AAAA"})
    assert page.status_code == 422


def test_the_csv_export_has_a_header_and_one_row_per_journey(web: TestClient) -> None:
    sign_in(web)
    answer = web.get("/console/journeys.csv", params={"life_event": "birth"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][:3] == ["journey_id", "life_event", "state"]
    assert all(row[1] == "birth" for row in rows[1:])


def _views(operator: str) -> list[SavedView]:
    with Session(get_engine()) as session:
        return list(session.exec(select(SavedView).where(SavedView.operator == operator)))


def test_saved_views_belong_to_their_operator(web: TestClient) -> None:
    sign_in(web)
    page = web.get("/console/journeys", params={"state": "waiting_for_citizen"})
    saved = web.post(
        "/console/views",
        data={**hidden_fields(page), "view_name": "Waiting", "state": "waiting_for_citizen"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/console/journeys?state=waiting_for_citizen"
    [view] = _views("operator")
    assert view.query == "state=waiting_for_citizen"
    assert "Waiting" in web.get("/console/journeys").text
    nameless = web.post("/console/views", data={**hidden_fields(page), "view_name": ""})
    assert nameless.status_code == 422
    deleted = web.post(
        f"/console/views/{view.id}/delete", data=hidden_fields(page), follow_redirects=False
    )
    assert deleted.status_code == 303 and _views("operator") == []


def _open(web: TestClient, journey_id: str, reason: str) -> httpx.Response:
    form = web.get(f"/console/journeys/{journey_id}")
    assert form.status_code == 200
    opened: httpx.Response = web.post(
        f"/console/journeys/{journey_id}", data={**hidden_fields(form), "reason": reason}
    )
    return opened


def _a_journey(web: TestClient) -> str:
    answer = web.post(
        "/v1/life-events/birth/intakes",
        json=birth_intake(email="console@example.org"),
    )
    assert answer.status_code == 202, answer.text
    journey_id: str = answer.json()["journey_id"]
    return journey_id


def test_a_journey_opens_with_a_reason_recorded_under_the_operators_name(web: TestClient) -> None:
    journey_id = _a_journey(web)
    sign_in(web)
    without = _open(web, journey_id, " ")
    assert without.status_code == 422 and 'href="#reason"' in without.text
    opened = _open(web, journey_id, "The person called the help line")
    assert opened.status_code == 200, opened.text
    assert journey_id in opened.text and "The person called the help line" in opened.text
    assert f"/namespaces/default/workflows/{journey_id}" in opened.text
    with Session(get_engine()) as session:
        entry = session.exec(
            select(AuditEntry).where(
                AuditEntry.journey_id == journey_id, AuditEntry.action == "journey_accessed"
            )
        ).one()
    assert entry.actor == "operator:operator"
    assert entry.detail == {"reason": "The person called the help line", "via": "console"}
    assert _open(web, str(uuid.uuid4()), "Looking for it").status_code == 404


def test_the_incidents_and_agencies_pages_answer(web: TestClient) -> None:
    sign_in(web)
    incidents = web.get("/console/incidents")
    assert incidents.status_code == 200 and "JourneySlaBreached = true" in incidents.text
    agencies = web.get("/console/agencies")
    assert agencies.status_code == 200
    assert "Vital Statistics Agency" in agencies.text
    assert "vital-statistics.birth-registration" in agencies.text
    log = (
        "/console/agencies/vital-statistics/services/vital-statistics.birth-registration/deliveries"
    )
    assert f'href="{log}"' in agencies.text


def test_outside_development_operators_sign_in_with_openid_connect_only(web: TestClient) -> None:
    production = get_settings().model_copy(update={"environment": "production"})
    web.app.dependency_overrides[get_settings] = lambda: production  # type: ignore[attr-defined]
    try:
        page = web.get("/console/sign-in")
        assert page.status_code == 200
        assert 'name="token"' not in page.text and "not set up here" in page.text
        answer = web.post(
            "/console/sign-in",
            data={**hidden_fields(page), "name": "operator", "token": "dev-operator-token"},
            follow_redirects=False,
        )
        assert answer.status_code == 404 and OPERATOR_COOKIE not in answer.headers.get(
            "set-cookie", ""
        )
        with_oidc = production.model_copy(
            update={"oidc_issuer": "https://id.example", "oidc_client_id": "lifeevents-web"}
        )
        web.app.dependency_overrides[get_settings] = lambda: with_oidc  # type: ignore[attr-defined]
        page = web.get("/console/sign-in?next=/console/incidents")
        assert "/sign-in?purpose=operator&amp;return_to=%2Fconsole%2Fincidents" in page.text
        assert 'name="token"' not in page.text
    finally:
        web.app.dependency_overrides.clear()  # type: ignore[attr-defined]
