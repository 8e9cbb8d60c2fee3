"""The message catalogues: every string the pages show has its French, and a request's language
is the one the person chose, else their browser's, else English."""

import re
from pathlib import Path

from babel.messages.pofile import read_po
from starlette.requests import Request

from core.catalog import get_catalog
from web.i18n import LOCALES, request_language, translations
from web.questions import QuestionBuilder, humanise

WEB = Path(__file__).parents[2] / "web"
STRING = re.compile(r"""_\((?:"([^"]+)"|'([^']+)')\)""")


def _shown_strings() -> set[str]:
    """The msgids of the templates and the code, and those the questions ask the catalogue
    for (the catalog's fields without their own x-label)."""
    sources = [*WEB.rglob("templates/**/*.html"), *WEB.rglob("*.py")]
    found = {a or b for path in sources for a, b in STRING.findall(path.read_text())}

    def record(text: str) -> str:
        found.add(text)
        return text

    for definition in get_catalog().values():
        QuestionBuilder(definition, "en", record).sections()
        found |= {humanise(e) for s in definition.services for e in s.evidence}
    return found


def test_every_string_shown_has_its_french() -> None:
    with (LOCALES / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        french = {message.id for message in read_po(po) if message.id and message.string}
    # Codes (province abbreviations) stay as they are.
    missing = sorted(
        text
        for text in _shown_strings()
        if text not in french and not re.fullmatch(r"[A-Z]{1,2}", text)
    )
    assert missing == []


def test_translations_keep_their_placeholders() -> None:
    french = translations("fr")
    for text in _shown_strings():
        assert set(re.findall(r"{\w+}", french.gettext(text))) == set(re.findall(r"{\w+}", text))


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "headers": raw, "method": "GET", "path": "/"})


def test_the_language_is_the_chosen_one_else_the_browsers_else_english() -> None:
    assert request_language(_request({"Cookie": "lang=fr"})) == "fr"
    assert request_language(_request({"Accept-Language": "de-DE, fr-CA;q=0.8"})) == "fr"
    assert request_language(_request({"Accept-Language": "de", "Cookie": "lang=xx"})) == "en"
    assert request_language(_request({})) == "en"
