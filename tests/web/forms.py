"""Reading the pages as a browser would: the hidden fields of a form, and a birth's answers."""

import re

import httpx

_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def hidden_fields(page: httpx.Response) -> dict[str, str]:
    return dict(_HIDDEN.findall(page.text))


BIRTH_ANSWERS = {
    "informant.national_id": "123456782",
    "informant.given_name": "Amélie",
    "informant.family_name": "Tremblay",
    "informant.birth_date-day": "14",
    "informant.birth_date-month": "3",
    "informant.birth_date-year": "1992",
    "child.given_name": "Léa",
    "child.family_name": "Tremblay",
    "child.birth_date-day": "22",
    "child.birth_date-month": "11",
    "child.birth_date-year": "2026",
    "child.sex": "F",
    "contact.email": "amelie@example.org",
}
