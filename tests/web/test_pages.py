"""The citizen's pages through the application, as a browser without JavaScript uses them:
every page, the language, the protections, errors that keep what was typed, one journey per
form however often it is sent."""

import html
import re
import time

import httpx
from fastapi.testclient import TestClient

from core import journey_tokens
from core.settings import get_settings
from tests.web.conftest import web
from tests.web.forms import BIRTH_ANSWERS, hidden_fields
from web.security import CONTENT_SECURITY_POLICY

__all__ = ["web"]
QUESTIONS = "/life-events/birth/questions"


def _answer_questions(web: TestClient, answers: dict[str, str]) -> httpx.Response:
    page = web.get(QUESTIONS)
    answered: httpx.Response = web.post(
        QUESTIONS, data={**hidden_fields(page), **answers}, follow_redirects=False
    )
    return answered


def _through_to_check(web: TestClient) -> httpx.Response:
    assert _answer_questions(web, BIRTH_ANSWERS).status_code == 303
    services = web.get("/life-events/birth/services")
    assert services.status_code == 200
    consents = [
        "vital-statistics.birth-registration",
        "revenue.child-benefit",
        "social-insurance.child-number",
    ]
    chosen = web.post(
        "/life-events/birth/services",
        data={**hidden_fields(services), "consents": consents},
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/life-events/birth/check"
    check: httpx.Response = web.get("/life-events/birth/check")
    return check


def test_the_start_page_lists_the_catalog_in_either_language(web: TestClient) -> None:
    page = web.get("/")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert '<html lang="en"' in page.text
    for text in ("Birth of a child", "Vital Statistics Agency", "Notice of live birth"):
        assert text in page.text
    assert "A birth must be registered within 30 days" in page.text
    assert 'href="/life-events/birth/questions"' in page.text
    switched = web.get("/language/fr", params={"next": "/"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/"
    cookie = switched.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    french = web.get("/")
    assert '<html lang="fr"' in french.text
    assert "Naissance d'un enfant" in html.unescape(french.text) and "Commencer" in french.text
    # The agencies by the names their registrations give in French.
    assert "Bureau de l'état civil" in html.unescape(french.text)
    assert "Vital Statistics Agency" not in french.text
    assert 'href="/language/en?next=/"' in french.text


def test_the_language_switch_goes_back_only_to_this_site(web: TestClient) -> None:
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        answer = web.get("/language/fr", params={"next": elsewhere}, follow_redirects=False)
        assert answer.headers["location"] == "/"


def test_the_questions_come_from_the_intake_schema(web: TestClient) -> None:
    page = web.get(QUESTIONS)
    assert page.status_code == 200
    for label in ("About you", "About the child", "Given name", "Birth date", "Female"):
        assert label in page.text
    # A date is three inputs, the design system's way; the language comes from the page.
    assert 'name="child.birth_date-day"' in page.text
    assert 'name="contact.language"' not in page.text
    assert 'type="email"' in page.text and 'inputmode="numeric"' in page.text


def test_errors_link_to_each_field_and_keep_what_was_typed(web: TestClient) -> None:
    answers = {
        **BIRTH_ANSWERS,
        "informant.national_id": "12345",
        "child.birth_date-day": "30",
        "child.birth_date-month": "2",
        "contact.email": "",
    }
    page = _answer_questions(web, answers)
    assert page.status_code == 422
    assert page.text.count('class="govuk-error-summary"') == 1
    summary = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', page.text)
    assert [anchor for anchor, _ in summary] == [
        "informant-national_id",
        "child-birth_date-day",
        "contact-email",
    ]
    assert "About the child: Birth date must be a real date" in page.text
    # What the person typed is still there, wrong parts included.
    assert 'value="Amélie"' in page.text and 'value="12345"' in page.text
    assert 'name="child.birth_date-day" type="text" inputmode="numeric" value="30"' in page.text
    assert page.text.startswith("<!DOCTYPE html>") and "<title>Error:" in page.text


def test_errors_are_in_the_persons_language(web: TestClient) -> None:
    web.cookies.set("lang", "fr", domain="testserver.local")
    page = _answer_questions(web, {**BIRTH_ANSWERS, "child.given_name": ""})
    assert page.status_code == 422
    assert "À propos de l'enfant: Remplissez le champ « prénom »" in html.unescape(page.text)


def test_a_form_without_its_csrf_token_is_refused(web: TestClient) -> None:
    web.get(QUESTIONS)
    refused = web.post(QUESTIONS, data=BIRTH_ANSWERS, follow_redirects=False)
    assert refused.status_code == 403
    forged = web.post(
        QUESTIONS, data={**BIRTH_ANSWERS, "csrf_token": "0" * 64}, follow_redirects=False
    )
    assert forged.status_code == 403
    # A token is good only with its own browser's cookie.
    page = web.get(QUESTIONS)
    other = TestClient(web.app, base_url="https://testserver")
    other.get(QUESTIONS)
    stolen = other.post(
        QUESTIONS, data={**hidden_fields(page), **BIRTH_ANSWERS}, follow_redirects=False
    )
    assert stolen.status_code == 403


def test_the_path_ends_with_one_journey_however_often_it_is_sent(web: TestClient) -> None:
    check = _through_to_check(web)
    assert check.status_code == 200
    for text in ("Amélie", "November 22, 2026", "Female", "Consent given"):
        assert text in check.text
    assert "We will ask for your consent later" in check.text  # the health card's
    form = hidden_fields(check)
    assert set(form) == {"csrf_token", "idempotency_key"}
    draft = web.cookies.get("draft")
    assert draft is not None
    first = web.post("/life-events/birth/check", data=form, follow_redirects=False)
    assert first.status_code == 303, first.text
    journey = first.headers["location"].removeprefix("/journeys/").removesuffix("/sent")
    # The journey's token travels in a cookie for this journey's pages, never in an address.
    assert f"Path=/journeys/{journey}" in first.headers["set-cookie"]
    assert "token" not in first.headers["location"]
    # Sent twice (a double click: the second request carries the same draft).
    web.cookies.set("draft", draft, domain="testserver.local", path="/life-events")
    again = web.post("/life-events/birth/check", data=form, follow_redirects=False)
    assert again.headers["location"] == first.headers["location"]
    sent = web.get(first.headers["location"])
    assert sent.status_code == 200 and journey in sent.text


def test_the_services_page_lists_what_each_agency_receives(web: TestClient) -> None:
    assert web.get("/life-events/birth/services", follow_redirects=False).status_code == 303
    assert _answer_questions(web, BIRTH_ANSWERS).status_code == 303
    page = web.get("/life-events/birth/services")
    assert "Register the birth and issue the birth certificate" in page.text
    assert "About the child: Given name" in page.text
    assert page.text.count('name="consents"') == 4


def test_unknown_pages_say_so(web: TestClient) -> None:
    assert web.get("/life-events/nothing/questions").status_code == 404
    assert web.get("/journeys/journey-nobody/sent").status_code == 404
    assert web.get("/journeys/journey-nobody", params={"token": "jt_forged"}).status_code == 404


def test_an_emails_link_moves_its_token_to_a_cookie(web: TestClient) -> None:
    settings = get_settings()
    journey = "journey-from-an-email"
    token = journey_tokens.issue(settings, journey)
    opened = web.get(f"/journeys/{journey}", params={"token": token}, follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/journeys/{journey}"
    cookie = opened.headers["set-cookie"]
    assert f"journey={token}" in cookie and f"Path=/journeys/{journey}" in cookie
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    # Another journey's token opens nothing; an old one says the link has expired.
    other = journey_tokens.issue(settings, "journey-of-someone-else")
    assert web.get(f"/journeys/{journey}", params={"token": other}).status_code == 404
    old = journey_tokens.issue(settings, journey, now=time.time() - 400 * 86_400)
    expired = web.get(f"/journeys/{journey}", params={"token": old})
    assert expired.status_code == 401 and "This link has expired" in expired.text
    # It offers a fresh one, e-mailed to the journey's own address (the same answer whether
    # the journey exists or not).
    asked = web.post(f"/journeys/{journey}/link", data=hidden_fields(expired))
    assert asked.status_code == 200 and "Check your email" in asked.text
    assert web.post(f"/journeys/{journey}/link", data={}).status_code == 403
