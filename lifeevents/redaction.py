"""Personal data taken out of free text: pure, no I/O, so workflows may use it too (a step
redacts an agency's later decision with the data it sent that agency)."""

import re
from collections.abc import Iterator
from typing import Any

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Nine digits standing alone look like a national id (they may hide in an exception's text).
NATIONAL_ID = re.compile(r"(?<![\w-])\d{9}(?![\w-])")
# A calendar date (a birth date, most likely) written the ISO way.
ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
REDACTED = "[redacted]"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def redact_text(text: str, personal: Any = None) -> str:
    """Free text from outside (an agency's message, its error body) made fit to log and store:
    e-mail addresses, nine-digit ids and ISO dates go, and so does every string of ``personal``
    (the data the agency was sent, at any depth) of two characters or more, wherever it
    appears, whatever its case."""
    values = sorted({v for v in _strings(personal) if len(v.strip()) >= 2}, key=len, reverse=True)
    if values:
        pattern = re.compile("|".join(re.escape(v) for v in values), re.IGNORECASE)
        text = pattern.sub(REDACTED, text)
    text = EMAIL.sub("[email]", text)
    text = NATIONAL_ID.sub("[id]", text)
    return ISO_DATE.sub("[date]", text)
