"""Screenshots of the citizen's main pages, taken in a real browser from a running service:
``python -m web.screenshots --out docs/screenshots [--base-url http://127.0.0.1:8000]``.

It walks the pages as a person does (a birth told in English, then the journey's page until
the journey has ended), writes one PNG per page in ``SHOTS``, and shows the journey's page in
French. Run ``lifeevents dev`` first (its simulated agencies decide within seconds). Needs
Playwright (the ``test`` extra) and Debian's Chromium (``python -m tests.bootstrap``).
"""

import argparse
import asyncio
import struct
import sys
import time
import zlib
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from playwright.async_api import Page, ViewportSize, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = ViewportSize(width=1000, height=900)
# Each picture's file name (without .png), in the order a person meets the pages.
SHOTS = (
    "01-start",
    "02-questions-with-an-error",
    "03-services-and-consent",
    "04-check-answers",
    "05-confirmation",
    "06-journey-in-progress",
    "07-journey-ended-survey",
    "08-journey-in-french",
)


def _birth_answers() -> dict[str, str]:
    """The demo's birth (Amélie's child, born three days ago), as the questions page asks."""
    born = date.today() - timedelta(days=3)
    return {
        "informant.national_id": "123456782",
        "informant.given_name": "Amélie",
        "informant.family_name": "Tremblay",
        "informant.birth_date-day": "14",
        "informant.birth_date-month": "3",
        "informant.birth_date-year": "1992",
        "child.given_name": "Léa",
        "child.family_name": "Tremblay",
        "child.birth_date-day": str(born.day),
        "child.birth_date-month": str(born.month),
        "child.birth_date-year": str(born.year),
        "contact.email": "not an address",
    }


def smaller_png(data: bytes) -> bytes:
    """The same image with its pixel data compressed at zlib's best level, in one chunk
    (Chromium compresses for speed); no dependency needed."""
    signature, position, chunks = data[:8], 8, []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        chunks.append((kind, data[position + 8 : position + 8 + length]))
        position += 12 + length
    pixels = zlib.compress(zlib.decompress(b"".join(d for k, d in chunks if k == b"IDAT")), 9)
    out = [signature]
    for kind, body in chunks:
        if kind == b"IDAT":
            if pixels:
                body, pixels = pixels, b""
            else:
                continue
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        out.append(struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc))
    return b"".join(out)


async def _shot(page: Page, out: Path, name: str, at: str | None = None) -> None:
    """The viewport as a PNG; with ``at``, scrolled so that element is at the top."""
    assert name in SHOTS
    if at is not None:
        await page.locator(at).evaluate("element => element.scrollIntoView()")
    (out / f"{name}.png").write_bytes(smaller_png(await page.screenshot()))


async def _until(page: Page, selector: str, wait_seconds: float) -> None:
    """Reload the page until ``selector`` is on it (the journey moves on its own)."""
    deadline = time.monotonic() + wait_seconds
    while not await page.locator(selector).count():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{page.url} never showed {selector} in {wait_seconds:.0f}s")
        await asyncio.sleep(1)
        await page.reload()


async def take(
    base_url: str, out: Path, *, chromium: Path = CHROMIUM, wait_seconds: float = 180
) -> list[Path]:
    """Walk the pages and write one PNG per name in SHOTS into ``out``; the files written."""
    out.mkdir(parents=True, exist_ok=True)
    submit = "main form button[type=submit]"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), args=["--no-sandbox"]
        )
        try:
            context = await browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="en")
            page = await context.new_page()
            await page.goto("/")
            await _shot(page, out, "01-start")
            await page.goto("/life-events/birth/questions")
            for name, value in _birth_answers().items():
                await page.locator(f'[name="{name}"]').fill(value)
            await page.locator('[name="child.sex"][value="F"]').check()
            await page.locator(submit).click()
            await page.locator(".govuk-error-summary").wait_for()
            await _shot(page, out, "02-questions-with-an-error")
            await page.locator('[name="contact.email"]').fill("amelie@example.org")
            await page.locator(submit).click()
            await page.wait_for_url("**/services")
            for box in await page.locator('input[name="consents"]').all():
                await box.check()
            await _shot(page, out, "03-services-and-consent")
            await page.locator(submit).click()
            await page.wait_for_url("**/check")
            await _shot(page, out, "04-check-answers")
            await page.locator(submit).click()
            await page.locator(".govuk-panel--confirmation").wait_for()
            await _shot(page, out, "05-confirmation")
            await page.locator("main a[href^='/journeys/']").first.click()
            await page.locator("main ol li").first.wait_for()
            await _shot(page, out, "06-journey-in-progress")
            await _until(page, 'form[action$="/feedback"]', wait_seconds)
            await _shot(page, out, "07-journey-ended-survey", at="#survey")
            # The language switch, on the journey's page: the same journey, said in French.
            await page.locator('a[hreflang="fr"]').click()
            await page.locator('html[lang="fr"]').wait_for()
            await _shot(page, out, "08-journey-in-french")
        finally:
            await browser.close()
    return [out / f"{name}.png" for name in SHOTS]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m web.screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--chromium", type=Path, default=CHROMIUM)
    parser.add_argument("--wait-seconds", type=float, default=180)
    arguments = parser.parse_args(argv)
    written = asyncio.run(
        take(
            arguments.base_url,
            arguments.out,
            chromium=arguments.chromium,
            wait_seconds=arguments.wait_seconds,
        )
    )
    for path in written:
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
