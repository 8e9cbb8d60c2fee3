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


# A value this long is taken out wherever it appears (inside a longer word too: "Tremblays");
# a shorter one only as a whole word, and one of two characters or less not at all (a language
# or province code, a sex: they identify no one, and they hide inside every other word).
ANYWHERE = 5
WHOLE_WORD = 3


def redact_text(text: str, personal: Any = None) -> str:
    """Free text from outside (an agency's message, its error body) made fit to log and store:
    e-mail addresses, nine-digit ids and ISO dates go, and so does every string of ``personal``
    (the data the agency was sent, at any depth), whatever its case: from five characters on
    wherever it appears, of three or four as a whole word."""
    values = {v.strip() for v in _strings(personal) if len(v.strip()) >= WHOLE_WORD}
    alternatives = [
        re.escape(v) if len(v) >= ANYWHERE else rf"(?<!\w){re.escape(v)}(?!\w)"
        for v in sorted(values, key=len, reverse=True)
    ]
    if alternatives:
        text = re.compile("|".join(alternatives), re.IGNORECASE).sub(REDACTED, text)
    text = EMAIL.sub("[email]", text)
    text = NATIONAL_ID.sub("[id]", text)
    return ISO_DATE.sub("[date]", text)
