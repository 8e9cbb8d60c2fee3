"""The screenshot script walks the real pages against the running stack and writes every
picture the README shows, so it cannot rot unnoticed."""

import zlib
from pathlib import Path

from tests.bootstrap import CHROMIUM
from tests.support.stack import Stack
from web.screenshots import SHOTS, smaller_png, take

PNG = b"\x89PNG\r\n\x1a\n"
README = Path(__file__).parents[2] / "README.md"


async def test_the_script_writes_every_page_of_the_readme(stack: Stack, tmp_path: Path) -> None:
    written = await take(stack.api_url, tmp_path, chromium=CHROMIUM, wait_seconds=90)
    assert [path.name for path in written] == [f"{name}.png" for name in SHOTS]
    for path in written:
        assert path.read_bytes().startswith(PNG)
    # Every picture the script makes is shown in the README, and only those.
    shown = {
        line.split("(docs/screenshots/")[1].split(")")[0]
        for line in README.read_text().splitlines()
        if "(docs/screenshots/" in line
    }
    assert shown == {f"{name}.png" for name in SHOTS}


def test_a_smaller_png_holds_the_same_pixels(tmp_path: Path) -> None:
    raw = b"\x00" + b"\xff\xff\xff" * 4  # one white row of 4 pixels, filter byte first
    header = b"\x00\x00\x00\x04\x00\x00\x00\x01\x08\x02\x00\x00\x00"

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    compressed = zlib.compress(raw, 1)
    png = PNG + chunk(b"IHDR", header) + chunk(b"IDAT", compressed[:5])
    png += chunk(b"IDAT", compressed[5:]) + chunk(b"IEND", b"")
    smaller = smaller_png(png)
    assert smaller == PNG + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(
        b"IEND", b""
    )
