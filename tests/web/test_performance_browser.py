"""The public performance page in a real browser (Debian's Chromium), against the running
stack, with figures in its database: no serious accessibility fault in either language, and
the figures of a small group not shown."""

from datetime import date

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import create_engine
from sqlmodel import Session

from core.tables import FeedbackResponse
from tests.support.outcomes import outcome_row
from tests.support.stack import Stack
from tests.web.browser import browser, serious_violations
from use_cases.reports import SMALL_GROUP

__all__ = ["browser"]


@pytest.fixture(scope="module")
def figures(stack: Stack) -> None:
    """Marriages ended in a quarter of their own (fiscal 2025 Q3), enough to show; a few moves."""
    engine = create_engine(stack.env["DATABASE_URL"])
    try:
        with Session(engine) as session:
            for n in range(SMALL_GROUP):
                session.add(
                    outcome_row(
                        n,
                        journey_ref=f"performance-page-{n}",
                        life_event="marriage",
                        ended_on=date(2025, 5, 2),
                        seconds_to_outcome=86400,
                    )
                )
                session.add(
                    FeedbackResponse(
                        journey_ref=f"performance-page-{n}",
                        life_event="marriage",
                        services=[],
                        channel="web",
                        language="en",
                        submitted_on=date(2025, 5, 3),
                        satisfaction=5,
                        trust=5 if n % 2 else 3,
                    )
                )
            for n in range(2):
                session.add(
                    outcome_row(
                        n,
                        journey_ref=f"performance-page-move-{n}",
                        life_event="change-of-address",
                        ended_on=date(2025, 5, 2),
                    )
                )
            session.commit()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("language", "marriage", "quarter", "share"),
    [
        ("en", "Marriage", "Q3 of fiscal year 2025", "50%"),
        ("fr", "Mariage", "T3 de l’exercice 2025", "50\u00a0%"),
    ],
)
async def test_the_performance_page_is_accessible_and_shows_only_large_groups(
    browser: Browser,
    stack: Stack,
    figures: None,
    language: str,
    marriage: str,
    quarter: str,
    share: str,
) -> None:
    context = await browser.new_context(base_url=stack.api_url, locale=language)
    try:
        page = await context.new_page()
        await page.goto("/performance")
        await expect(page.locator("html")).to_have_attribute("lang", language)
        table = page.locator("#performance-marriage")
        await expect(table.locator("caption")).to_contain_text(marriage)
        row = table.locator("tbody tr", has_text=quarter)
        await expect(row.locator("td").nth(0)).to_have_text(str(SMALL_GROUP))
        await expect(row.locator("td").nth(3)).to_have_text(share)
        moves = page.locator("#performance-change-of-address tbody tr").first
        await expect(moves.locator("td").nth(0)).to_contain_text(str(SMALL_GROUP))
        assert await serious_violations(page) == []
    finally:
        await context.close()
