"""A journey a registry's event offered, confirmed on its page in a real browser against the
running stack: reached from the offer e-mail's link, errors the design system's way, the
services chosen and consented, and no serious accessibility fault in either language."""

import asyncio
import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from simulated_agencies.demo import ELEANOR, MARC, days_ago
from tests.support.smtp import SmtpServer, text_of
from tests.support.stack import REGISTRY_TOKEN, Stack
from tests.web.browser import browser, serious_violations

__all__ = ["browser"]
CHOSEN = ["pension.stop-payments", "tax.final-return", "passport.cancel"]


def _death_registered(email: str, language: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"death-{uuid.uuid4()}",
        "source": "urn:registry:vital-statistics",
        "type": "vital-statistics.death.registered",
        "time": "2026-11-20T10:00:00Z",
        "datacontenttype": "application/json",
        "data": {
            "deceased": {**ELEANOR.identity(), "date_of_death": days_ago(1)},
            "next_of_kin": {"email": email, "language": language},
        },
    }


async def _offer_link(stack: Stack, smtp: SmtpServer, language: str) -> str:
    """The journey link of the offer e-mail a registered death sends the next of kin."""
    email = f"offer-{uuid.uuid4().hex[:8]}@example.org"
    async with httpx.AsyncClient(timeout=30) as client:
        started = await client.post(
            f"{stack.api_url}/v1/registry-events",
            json=_death_registered(email, language),
            headers={"Authorization": f"Bearer {REGISTRY_TOKEN}"},
        )
    assert started.status_code == 202, started.text
    for _ in range(100):
        if smtp.inbox.messages(email):
            break
        await asyncio.sleep(0.1)
    [message] = smtp.inbox.messages(email)
    link = re.search(r"(http://\S+/journeys/\S+\?token=\S+)", text_of(message))
    assert link is not None, text_of(message)
    return link.group(1)


async def _fill_informant(page: Page) -> None:
    born = MARC.birth_date
    answers = {
        "informant.national_id": MARC.national_id,
        "informant.given_name": MARC.given_name,
        "informant.family_name": MARC.family_name,
        "informant.birth_date-day": str(born.day),
        "informant.birth_date-month": str(born.month),
        "informant.birth_date-year": str(born.year),
    }
    for name, value in answers.items():
        await page.locator(f'[name="{name}"]').fill(value)
    await page.locator('[name="informant.relationship"][value="spouse"]').check()


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_a_proactive_offer_is_confirmed_on_the_journey_page(
    browser: Browser, stack: Stack, smtp: SmtpServer, language: str
) -> None:
    link = await _offer_link(stack, smtp, language)
    context = await browser.new_context(base_url=stack.api_url, locale=language)
    try:
        page = await context.new_page()
        await page.goto(link)
        confirmation = page.locator('form[action$="/confirmation"]')
        await expect(confirmation).to_be_visible()
        found = {"offer": await serious_violations(page)}

        # Sent empty: who the person is and which services, each said in the error summary.
        await confirmation.locator("button[type=submit]").click()
        summary = page.locator(".govuk-error-summary")
        await expect(summary.locator("a[href='#informant-given_name']")).to_be_visible()
        await expect(summary.locator("a[href='#services']")).to_be_visible()
        found["offer with errors"] = await serious_violations(page)
        assert {where: v for where, v in found.items() if v} == {}

        await _fill_informant(page)
        for service in CHOSEN:
            await page.locator(f'input[name="services"][value="{service}"]').check()
            await page.locator(f'input[name="consents"][value="{service}"]').check()
        await page.locator('form[action$="/confirmation"] button[type=submit]').click()
        await expect(page.locator('form[action$="/confirmation"]')).to_have_count(0)
        # The journey runs the chosen services; the others are not done.
        state = page.locator("main .govuk-summary-list .govuk-tag")
        await expect(state).not_to_have_text(
            re.compile("Waiting for you|En attente de votre réponse")
        )
    finally:
        await context.close()
