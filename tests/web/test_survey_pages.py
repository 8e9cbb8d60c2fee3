"""The post-transaction survey on an ended journey's page, in a real browser against the
running stack: errors the design system's way, one response taken, a second refused, and no
serious accessibility fault in either language."""

import asyncio
import uuid

import pytest
from fastapi.testclient import TestClient
from playwright.async_api import Browser, expect
from sqlalchemy import create_engine
from sqlmodel import Session, select

from core import journey_tokens
from core.ids import feedback_ref
from core.settings import Settings, get_settings
from core.tables import FeedbackResponse
from tests.support.stack import Stack, birth_intake
from tests.web.browser import browser, serious_violations
from tests.web.conftest import web
from tests.web.forms import hidden_fields

__all__ = ["browser", "web"]
ALREADY = {"en": "You have already told us how it went", "fr": "Vous nous avez déjà dit"}
THANKS = {"en": "Thank you for telling us how it went", "fr": "Merci de nous avoir dit"}


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_an_ended_journeys_page_takes_one_survey_response(
    browser: Browser, stack: Stack, language: str
) -> None:
    email = f"survey-{uuid.uuid4().hex[:8]}@example.org"
    journey_id = stack.submit(birth_intake(email=email, language=language))
    await asyncio.to_thread(stack.wait_until_done, journey_id)
    context = await browser.new_context(base_url=stack.api_url, locale=language)
    try:
        page = await context.new_page()
        await page.goto(f"/journeys/{journey_id}?token={stack.tokens[journey_id]}")
        survey = page.locator('form[action$="/feedback"]')
        await expect(survey).to_be_visible()
        # A second tab holds the same form, to send it again once the first is in.
        again = await context.new_page()
        await again.goto(f"/journeys/{journey_id}")
        found = {"survey": await serious_violations(page)}

        # The one required item missing: said the design system's way, nothing ticked lost.
        await page.locator('input[name="went_well"][value="told_once"]').check()
        await survey.locator("button[type=submit]").click()
        await expect(page.locator(".govuk-error-summary a[href='#satisfaction']")).to_be_visible()
        await expect(page.locator('input[name="went_well"][value="told_once"]')).to_be_checked()
        found["survey with an error"] = await serious_violations(page)

        await page.locator('input[name="satisfaction"][value="4"]').check()
        await page.locator('input[name="employee_helpfulness"][value="none"]').check()
        await page.locator('input[name="did_not_go_well"][value="slow"]').check()
        await page.locator("#comment").fill("Quicker than I feared.")
        await page.locator('form[action$="/feedback"] button[type=submit]').click()
        await expect(page.locator("#survey + .govuk-panel")).to_contain_text(THANKS[language])
        await expect(page.locator('form[action$="/feedback"]')).to_have_count(0)
        found["survey answered"] = await serious_violations(page)
        assert {where: v for where, v in found.items() if v} == {}

        await again.locator('input[name="satisfaction"][value="1"]').check()
        async with again.expect_response(lambda r: r.request.method == "POST") as sent:
            await again.locator('form[action$="/feedback"] button[type=submit]').click()
        assert (await sent.value).status == 409
        await expect(again.locator("h1")).to_contain_text(ALREADY[language])
    finally:
        await context.close()
    # Stored once, as the web's, in the page's language, without the person's id.
    engine = create_engine(stack.env["DATABASE_URL"])
    with Session(engine) as session:
        ref = feedback_ref(Settings().app_secret, journey_id)
        [stored] = session.exec(select(FeedbackResponse).where(FeedbackResponse.journey_ref == ref))
    engine.dispose()
    assert (stored.channel, stored.language, stored.satisfaction) == ("web", language, 4)
    assert (stored.went_well, stored.did_not_go_well) == (["told_once"], ["slow"])
    assert stored.employee_helpfulness is None and stored.comment == "Quicker than I feared."


def test_only_the_forms_own_answers_are_taken(web: TestClient) -> None:
    """A survey sent with values the form never offers, or without its CSRF token, is refused
    before anything is read or stored."""
    journey = "journey-with-a-survey"
    token = journey_tokens.issue(get_settings(), journey)
    assert web.get(f"/journeys/{journey}", params={"token": token}).status_code in (200, 404)
    form = hidden_fields(web.get("/life-events/birth/questions"))
    url = f"/journeys/{journey}/feedback"
    assert web.post(url, data={"satisfaction": "4"}).status_code == 403
    for tampered in (
        {"satisfaction": "9"},
        {"satisfaction": "4", "trust": "-1"},
        {"satisfaction": "4", "went_well": ["told_once", "free text"]},
    ):
        refused = web.post(url, data={**form, **tampered})
        assert refused.status_code == 403 and "This form has expired" in refused.text
