"""A local SMTP server for the dev stack: it speaks real SMTP and keeps each message as a file.

Open ``data/mail/*.eml`` to read what the journeys sent. Never used in production.
"""

import asyncio
from pathlib import Path
from typing import Any

import structlog
from aiosmtpd.controller import Controller

log = structlog.get_logger(__name__)


class SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        # Numbered on from the messages kept before a restart. Counted once: listing the folder
        # for every message made each one slower than the last (quadratic over a benchmark run).
        self.count = max((int(p.stem) for p in folder.glob("*.eml") if p.stem.isdigit()), default=0)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        (self.folder / f"{self.count:06d}.eml").write_bytes(envelope.original_content)
        log.info("mail received", folder=str(self.folder))
        return "250 Message accepted for delivery"


async def run_mailcatcher(host: str, port: int, folder: Path) -> None:
    controller = Controller(SaveToFolder(folder), hostname=host, port=port)
    controller.start()
    log.info("mail catcher listening", host=host, port=port, folder=str(folder))
    try:
        await asyncio.Event().wait()
    finally:
        controller.stop()
