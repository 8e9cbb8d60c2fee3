"""Signing in, in a real browser: the pages served over HTTP, the stand-in issuer over HTTP, the
browser carried between them by redirects. A person signs in from the header, tells a birth,
finds it among their journeys (in English and French, with no serious accessibility fault),
opens it without the journey's token, and signs out."""

import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, expect
from temporalio.testing import WorkflowEnvironment

from server.app import create_app
from tests.support.oidc import Issuer
from tests.support.ports import free_port
from tests.web.browser import browser, serious_violations
from tests.web.conftest import forget_web, issuer, prepare_web, sign_in_env
from tests.web.forms import BIRTH_ANSWERS
from tests.web.test_browser import _fill_questions

__all__ = ["browser", "issuer", "sign_in_env"]


@pytest.fixture
def served(
    sign_in_env: Issuer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    temporal_env: WorkflowEnvironment,
) -> Iterator[str]:
    """The pages served on a free port of this machine, in a thread of the test's process."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("PUBLIC_BASE_URL", url)
    prepare_web(tmp_path, monkeypatch, temporal_env.client.service_client.config.target_host)
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the pages did not start"
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=30)
    forget_web()


@pytest.fixture
async def context(browser: Browser, served: str) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(base_url=served)
    yield context
    await context.close()


async def test_a_person_signs_in_finds_their_journey_and_signs_out(
    context: BrowserContext, served: str
) -> None:
    page = await context.new_page()
    found: dict[str, list[str]] = {}
    await page.goto("/")
    await page.locator("header").get_by_role("link", name="Sign in").click()
    await expect(page.locator("h1")).to_have_text("Your journeys")
    found["empty journeys"] = await serious_violations(page)

    await page.goto("/life-events/birth/questions")
    await _fill_questions(page, BIRTH_ANSWERS)
    await page.locator("main form button[type=submit]").click()
    await page.locator('input[name="consents"]').first.check()
    await page.locator("main form button[type=submit]").click()
    await page.locator("main form button[type=submit]").click()
    await expect(page.locator(".govuk-panel--confirmation")).to_be_visible()
    reference = await page.locator(".govuk-panel__body strong").inner_text()
    # Another device, as it were: the journey's token is gone, the person is signed in.
    await context.clear_cookies(name="journey")

    await page.locator("header").get_by_role("link", name="Your journeys").click()
    row = page.locator(f'main a[href="/journeys/{reference}"]')
    await expect(row).to_contain_text("Birth of a child")
    found["journeys"] = await serious_violations(page)
    await page.goto("/language/fr?next=/your-journeys")
    await expect(page.locator("h1")).to_have_text("Vos démarches")
    await expect(page.locator("header")).to_contain_text("Vos démarches")
    found["journeys in French"] = await serious_violations(page)
    await page.goto("/language/en?next=/your-journeys")

    await row.click()
    await expect(page.locator("h1")).to_have_text("Your journey")
    await expect(page.locator("main")).to_contain_text(reference)
    found["journey"] = await serious_violations(page)

    await page.goto("/your-journeys")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{served}/")
    await expect(page.locator("header").get_by_role("link", name="Sign in")).to_be_visible()
    await page.goto(f"/journeys/{reference}")
    await expect(page.locator("h1")).to_have_text("Page not found")
    assert {where: faults for where, faults in found.items() if faults} == {}
