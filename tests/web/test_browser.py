"""The pages in a real browser against the running stack (API, worker, agencies): no serious
accessibility fault on any page in either language, a birth told by keyboard alone, the whole
path without JavaScript, and the journey's page reached from an e-mail's link."""

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.support.stack import Stack
from tests.web.browser import browser, serious_violations
from tests.web.forms import BIRTH_ANSWERS

__all__ = ["browser"]
CONSENTS = ["vital-statistics.birth-registration", "revenue.child-benefit"]


@pytest.fixture
async def context(browser: Browser, stack: Stack) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(base_url=stack.api_url)
    yield context
    await context.close()


async def _check_accessible(page: Page, where: str, found: dict[str, list[str]]) -> None:
    violations = await serious_violations(page)
    if violations:
        found[f"{where} ({page.url})"] = violations


async def _fill_questions(page: Page, answers: dict[str, str]) -> None:
    for name, value in answers.items():
        field = page.locator(f'[name="{name}"]')
        if await field.first.get_attribute("type") == "radio":
            await page.locator(f'[name="{name}"][value="{value}"]').check()
        else:
            await field.fill(value)


async def _tell_a_birth(page: Page, found: dict[str, list[str]] | None = None) -> str:
    """From the start page to the confirmation; the journey's reference. With ``found``, axe
    looks at every page on the way, an error page included."""

    async def look(where: str) -> None:
        if found is not None:
            await _check_accessible(page, where, found)

    await page.goto("/")
    await look("start")
    await page.locator('a[href="/life-events/birth/questions"]').click()
    await look("questions")
    await _fill_questions(page, {**BIRTH_ANSWERS, "contact.email": "not an address"})
    await page.locator("main form button[type=submit]").click()
    await expect(page.locator(".govuk-error-summary")).to_be_visible()
    await look("questions with errors")
    # What was typed is still there; only the wrong answer needs changing.
    await expect(page.locator('[name="child.given_name"]')).to_have_value("Léa")
    await page.locator('[name="contact.email"]').fill("amelie@example.org")
    await page.locator("main form button[type=submit]").click()
    await look("services")
    for service in CONSENTS:
        await page.locator(f'input[name="consents"][value="{service}"]').check()
    await page.locator("main form button[type=submit]").click()
    await look("check")
    await page.locator("main form button[type=submit]").click()
    await expect(page.locator(".govuk-panel--confirmation")).to_be_visible()
    await look("sent")
    reference = await page.locator(".govuk-panel__body strong").inner_text()
    await page.locator(f'a[href="/journeys/{reference}"]').click()
    await expect(page.locator("ol li").first).to_be_visible()
    await look("journey")
    if found is not None:
        await page.goto(f"/journeys/{reference}/cancel")
        await look("cancel")
        await page.goto(f"/journeys/{reference}?token=jt_not-a-token")
        await look("not found")
    return reference


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_no_page_has_a_serious_accessibility_fault(
    browser: Browser, stack: Stack, language: str
) -> None:
    context = await browser.new_context(base_url=stack.api_url, locale=language)
    try:
        page = await context.new_page()
        # Nothing refused by the Content-Security-Policy, no script failing, no file missing.
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        # Pages answer 404 or 422 on purpose; the files they load never fail.
        page.on(
            "response",
            lambda r: (
                problems.append(f"{r.status} {r.url}")
                if r.status >= 400 and r.request.resource_type != "document"
                else None
            ),
        )
        page.on(
            "console",
            lambda m: (
                problems.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        await page.goto("/")
        await expect(page.locator("html")).to_have_attribute("lang", language)
        # GOV.UK Frontend's script ran (it marks the body), served by us.
        await expect(page.locator("body")).to_have_class(re.compile("govuk-frontend-supported"))
        found: dict[str, list[str]] = {}
        await _tell_a_birth(page, found)
        assert found == {}
        assert problems == []
    finally:
        await context.close()


async def test_the_whole_path_works_without_javascript(browser: Browser, stack: Stack) -> None:
    context = await browser.new_context(base_url=stack.api_url, java_script_enabled=False)
    try:
        page = await context.new_page()
        reference = await _tell_a_birth(page)
        assert page.url.endswith(f"/journeys/{reference}")
        cookies = await context.cookies()
        token = next(c["value"] for c in cookies if c["name"] == "journey")
        # Secure, yet kept over plain HTTP to 127.0.0.1: development needs no exception.
        assert all(c["secure"] and c["httpOnly"] for c in cookies), cookies
    finally:
        await context.close()
    # The e-mail's link, opened on another device: the token moves to a cookie at once.
    elsewhere = await browser.new_context(base_url=stack.api_url, java_script_enabled=False)
    try:
        page = await elsewhere.new_page()
        await page.goto(f"/journeys/{reference}?token={token}")
        assert page.url == f"{stack.api_url}/journeys/{reference}"
        await expect(page.locator("h1")).to_have_text("Your journey")
        await expect(page.locator("ol li")).not_to_have_count(0)
        await expect(page.get_by_text("Who has seen your data").first).to_be_visible()
        # A consent not given at intake is asked on the page, and answered there.
        consent = page.locator('form[action$="/consents"]').first
        for _ in range(60):
            if await consent.count():
                break
            await asyncio.sleep(0.5)
            await page.reload()
        service = await consent.locator('[name="service_id"]').get_attribute("value")
        await consent.locator('button[value="yes"]').click()
        assert page.url == f"{stack.api_url}/journeys/{reference}"
        await expect(page.locator(f'input[name="service_id"][value="{service}"]')).to_have_count(0)
        # Cancelling asks first; "No" keeps the journey, "Yes" stops it.
        await page.locator(f'a[href="/journeys/{reference}/cancel"]').click()
        await expect(page.locator("h1")).to_have_text("Cancel this journey?")
        await page.locator('button[name="confirm"]').click()
        assert page.url == f"{stack.api_url}/journeys/{reference}"
        # The journey stops once what it undoes is undone.
        state = page.locator("main .govuk-summary-list .govuk-tag")
        for _ in range(60):
            if await state.inner_text() == "Cancelled":
                break
            await asyncio.sleep(0.5)
            await page.reload()
        await expect(state).to_have_text("Cancelled")
        await expect(page.locator(f'a[href="/journeys/{reference}/cancel"]')).to_have_count(0)
    finally:
        await elsewhere.close()


async def _tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element ``selector`` names has the focus, as a person would."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


async def test_a_birth_is_told_by_keyboard_alone(context: BrowserContext) -> None:
    page = await context.new_page()
    await page.goto("/")
    await _tab_to(page, 'a[href="/life-events/birth/questions"]')
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/questions")
    for name, value in BIRTH_ANSWERS.items():
        if name == "child.sex":
            # A radio group takes the focus once: Space chooses, the arrow keys move on.
            await _tab_to(page, f'[name="{name}"]')
            await page.keyboard.press("Space")
            while await page.evaluate("() => document.activeElement.value") != value:
                await page.keyboard.press("ArrowRight")
            continue
        await _tab_to(page, f'[name="{name}"]')
        await page.keyboard.type(value)
    await _tab_to(page, "main form button[type=submit]")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/services")
    await _tab_to(page, f'input[name="consents"][value="{CONSENTS[0]}"]')
    await page.keyboard.press("Space")
    await _tab_to(page, "main form button[type=submit]")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/check")
    await _tab_to(page, "main form button[type=submit]")
    await page.keyboard.press("Enter")
    await expect(page.locator(".govuk-panel--confirmation")).to_be_visible()


async def test_an_agencys_question_is_answered_on_the_journey_page(
    context: BrowserContext, stack: Stack
) -> None:
    """The retirement pension asks for a bank account (the simulated agency's `ask`)."""
    page = await context.new_page()
    await page.goto("/life-events/retirement/questions")
    last_day = date.today() - timedelta(days=10)
    await _fill_questions(
        page,
        {
            "informant.national_id": "456789123",
            "informant.given_name": "Marc",
            "informant.family_name": "Gagnon",
            "informant.birth_date-day": "20",
            "informant.birth_date-month": "1",
            "informant.birth_date-year": "1958",
            "retirement.last_working_day-day": str(last_day.day),
            "retirement.last_working_day-month": str(last_day.month),
            "retirement.last_working_day-year": str(last_day.year),
            "retirement.years_in_country_since_18": "40",
            "contact.email": "marc@example.org",
        },
    )
    await page.locator("main form button[type=submit]").click()
    for box in await page.locator('input[name="consents"]').all():
        await box.check()
    await page.locator("main form button[type=submit]").click()
    await page.locator("main form button[type=submit]").click()
    await page.locator(".govuk-panel__body a, a[href^='/journeys/']").first.click()
    question = page.locator('form[action$="/information"]')
    for _ in range(60):
        if await question.count():
            break
        await asyncio.sleep(0.5)
        await page.reload()
    # Sent empty, the page says what is missing, the design system's way.
    await question.locator("button").click()
    await expect(page.locator(".govuk-error-summary")).to_be_visible()
    await page.locator('[name="answers.bank_account"]').fill("00123-004-5550001")
    await page.locator('form[action$="/information"] button').click()
    await expect(page.locator('form[action$="/information"]')).to_have_count(0)
