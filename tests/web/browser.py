"""A real browser for the pages' tests: Debian's Chromium (tests/bootstrap.py installs it)
driven by Playwright (its asyncio API: the suite runs in pytest-asyncio's loop), which never
downloads a browser here; axe-core checks each page.

Missing Chromium fails the tests rather than skipping them: the README's test command brings
it, and CI must not pass by skipping."""

from collections.abc import AsyncIterator

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright

from tests.bootstrap import CHROMIUM

SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    assert CHROMIUM.exists(), f"no {CHROMIUM}: run `python -m tests.bootstrap` as root"
    async with async_playwright() as playwright:
        # No sandbox: the tests may run as root (in CI's containers).
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"]
        )
        yield chromium
        await chromium.close()


async def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    results = await Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
    ]
