"""The pages' languages: Babel message catalogues (``web/locales/<lang>/LC_MESSAGES``), compiled
when first used, and which language a request is in.

English is the source language (the msgids); every other language has a ``messages.po``.
"""

import gettext
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Literal, get_args

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.requests import Request

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
LANGUAGE_COOKIE = "lang"
LOCALES = Path(__file__).parent / "locales"
# Each language's name in itself, for the language switch.
NATIVE_NAMES: dict[Language, str] = {"en": "English", "fr": "Français"}


@lru_cache
def translations(language: Language) -> gettext.NullTranslations:
    """The language's catalogue; the .po is compiled in memory (no .mo is committed)."""
    if language == "en":
        return gettext.NullTranslations()
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def request_language(request: Request) -> Language:
    """The language the person chose (the switch's cookie), else their browser's first
    supported one, else English."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "")[:500].split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"
