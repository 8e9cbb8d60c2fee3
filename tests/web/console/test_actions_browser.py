"""The console's actions in a real browser against the running stack, in both languages, free
of serious accessibility faults: an operator gives a person more time to consent, with a reason
(the access log keeps it under their name), and previews a bulk action (the count and the exact
visibility query; nothing is done)."""

import time

import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.stack import OPERATOR_NAME, OPERATOR_TOKEN, Stack, birth_intake
from tests.web.browser import browser, serious_violations

__all__ = ["browser"]
REASON = "The person is in hospital until next week"


async def _sign_in(page: Page) -> None:
    await page.goto("/console/journeys")
    await page.locator("#name").fill(OPERATOR_NAME)
    await page.locator("#token").fill(OPERATOR_TOKEN)
    await page.locator("main form button[type=submit]").click()
    await expect(page.locator("h1")).to_be_visible()


async def _look(page: Page, where: str, found: dict[str, list[str]]) -> None:
    violations = await serious_violations(page)
    if violations:
        found[f"{where} ({page.url})"] = violations


def _waiting_for_consent(stack: Stack, journey_id: str) -> None:
    """Until the journey asks the person's consent (it was not given with the intake)."""
    deadline = time.monotonic() + 30
    with stack.operator() as client:
        while time.monotonic() < deadline:
            status = client.get(
                f"/v1/journeys/{journey_id}", headers={"X-Access-Reason": "test waits"}
            ).json()
            if any(r["state"] == "open" for r in status.get("requests", [])):
                return
            time.sleep(0.2)
    raise AssertionError(f"{journey_id} never asked for consent")


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_an_action_with_a_reason_and_a_bulk_preview(
    browser: Browser, stack: Stack, language: str
) -> None:
    journey_id = stack.submit(birth_intake(email="actions@example.org", consents=[]))
    _waiting_for_consent(stack, journey_id)
    context = await browser.new_context(base_url=stack.api_url, locale=language)
    found: dict[str, list[str]] = {}
    try:
        page = await context.new_page()
        await _sign_in(page)
        await page.goto(f"/console/journeys/{journey_id}")
        await page.locator("#reason").fill("Checking the consent the person asked about")
        await page.locator("main form button[type=submit]").click()
        await expect(page.locator("#actions")).to_be_visible()
        await _look(page, "journey with actions", found)

        extend = page.locator("details[id^='extend-']").first
        await extend.locator("summary").click()
        await extend.locator("button[type=submit]").click()  # no days, no reason
        await expect(page.locator(".govuk-error-summary")).to_be_visible()
        await _look(page, "action refused", found)
        extend = page.locator("details[id^='extend-'][open]").first
        await extend.locator("input[name=days]").fill("7")
        await extend.locator("textarea[name=reason]").fill(REASON)
        await extend.locator("button[type=submit]").click()
        await expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
        await _look(page, "action done", found)

        await page.goto("/console/journeys?life_event=birth")
        await page.locator("a[href^='/console/bulk']").click()
        await _look(page, "bulk form", found)
        await page.locator("#kind").check()  # the first action: cancel
        await page.locator("#reason").fill("Checking what a cancellation would touch")
        await page.locator("main form button[type=submit]").click()
        await expect(page.locator("#bulk-count")).to_be_visible()
        await expect(page.locator("code.console-query")).to_contain_text('LifeEvent = "birth"')
        await _look(page, "bulk preview", found)
        assert found == {}
    finally:
        await context.close()
    with stack.operator() as client:
        log = client.get(
            f"/v1/journeys/{journey_id}/access-log", headers={"X-Access-Reason": "test check"}
        ).json()
    assert {"who": f"operator:{OPERATOR_NAME}", "what": "deadline_extended", "reason": REASON} in [
        {"who": e["who"], "what": e["what"], "reason": e["detail"].get("reason")} for e in log
    ]
