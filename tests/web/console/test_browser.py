"""The console in a real browser against the running stack: every page free of serious
accessibility faults in either language, strangers sent to sign in, a journey opened with a
reason that the access log keeps under the operator's name, all without JavaScript too."""

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.stack import OPERATOR_NAME, OPERATOR_TOKEN, Stack, birth_intake
from tests.web.browser import browser, serious_violations

__all__ = ["browser"]
REASON = "The person asked the help line where their birth stands"


async def _look(page: Page, where: str, found: dict[str, list[str]] | None) -> None:
    """axe's serious findings on the page, into ``found`` (None: not looked at: axe needs
    JavaScript)."""
    if found is None:
        return
    violations = await serious_violations(page)
    if violations:
        found[f"{where} ({page.url})"] = violations


async def _sign_in(page: Page, found: dict[str, list[str]] | None) -> None:
    await page.goto("/console/incidents")
    assert "/console/sign-in?next=" in page.url  # a stranger is sent to sign in
    await _look(page, "sign-in", found)
    await page.locator("#name").fill(OPERATOR_NAME)
    await page.locator("#token").fill("not the token")
    await page.locator("main form button[type=submit]").click()
    await expect(page.locator(".govuk-error-summary")).to_be_visible()
    await _look(page, "sign-in refused", found)
    await page.locator("#token").fill(OPERATOR_TOKEN)
    await page.locator("main form button[type=submit]").click()
    await expect(page).to_have_url(f"{page.url.split('/console')[0]}/console/incidents")


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_every_console_page_is_accessible_and_a_view_is_audited(
    browser: Browser, stack: Stack, language: str
) -> None:
    journey_id = stack.submit(birth_intake(email="console@example.org"))
    context = await browser.new_context(base_url=stack.api_url, locale=language)
    try:
        page = await context.new_page()
        found: dict[str, list[str]] = {}
        await _sign_in(page, found)
        await _look(page, "incidents", found)
        cookie = next(c for c in await context.cookies() if c["name"] == "operator")
        assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"

        await page.goto("/console/journeys?life_event=birth")
        await expect(page.locator("#results h2")).to_be_visible()
        await _look(page, "journeys", found)
        await page.goto("/console/journeys?waiting_days=-1&started_from=someday")
        await expect(page.locator(".govuk-error-summary")).to_be_visible()
        await _look(page, "journeys with errors", found)

        await page.goto(f"/console/journeys/{journey_id}")
        await _look(page, "reason", found)
        await page.locator("main form button[type=submit]").click()
        await expect(page.locator(".govuk-error-summary")).to_be_visible()
        await _look(page, "reason missing", found)
        await page.locator("#reason").fill(REASON)
        await page.locator("main form button[type=submit]").click()
        await expect(page.locator("h1")).to_contain_text(journey_id)
        await _look(page, "journey", found)

        await page.goto("/console/agencies")
        await _look(page, "agencies", found)
        # The stack's native agency polls its task queue (Temporal lists a poller for minutes
        # after it left: other tests restarting the agency's worker on this stack make it more).
        row = page.locator("tr", has_text="social-insurance.child-number")
        await expect(row.locator("td").nth(3)).to_have_text(re.compile(r"^[1-9][0-9]*$"))
        assert found == {}
    finally:
        await context.close()
    with stack.operator() as client:
        log = client.get(
            f"/v1/journeys/{journey_id}/access-log", headers={"X-Access-Reason": "test check"}
        ).json()
    assert {
        "who": f"operator:{OPERATOR_NAME}",
        "what": "journey_accessed",
        "reason": REASON,
    } in [{"who": e["who"], "what": e["what"], "reason": e["detail"].get("reason")} for e in log]


async def test_the_console_works_without_javascript(browser: Browser, stack: Stack) -> None:
    context = await browser.new_context(base_url=stack.api_url, java_script_enabled=False)
    try:
        page = await context.new_page()
        await _sign_in(page, None)
        await page.goto("/console/journeys")
        await page.locator("#state").select_option("completed")
        await page.locator("form[method=get] button[type=submit]").click()
        assert "state=completed" in page.url
        await page.locator("#view_name").fill("Done")
        await page.locator("form[action='/console/views'] button").click()
        await expect(page.locator("a", has_text="Done")).to_be_visible()
        await page.locator("button", has_text="Sign out").click()
        await page.goto("/console/journeys")
        assert "/console/sign-in" in page.url
    finally:
        await context.close()
