"""A person's contact is one address: the intake refuses lists, display names and line feeds
(once, "a@x, someone.else@example.org" mailed both), phone numbers are E.164, and the
notification activity refuses anything but one address, whatever reached it."""

from typing import Any

import pytest
import yaml
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notification import send_notification
from core.catalog import get_catalog
from core.contact import EMAIL_PATTERN, PHONE_PATTERN
from core.models import LocalizedText, NotificationInput
from life_events import DEFINITIONS_DIR
from tests.support.stack import birth_intake

BAD_EMAILS = [
    "a@x, someone.else@example.org",
    "a@example.org,b@example.org",
    "a@example.org;b@example.org",
    "Jo Smith <jo@example.org>",
    "<jo@example.org>",
    "jo @example.org",
    "jo@ example.org",
    " jo@example.org",
    "jo@example.org ",
    "jo@example.org\n",
    "jo@example.org\nBcc: x@example.org",
    "jo@example.org\r\nBcc: x@example.org",
    "a@b@example.org",
    "jo@localhost",
    "jo@example",
    "jo@.example.org",
    "jo@example..org",
    "jo.@example.org",
    ".jo@example.org",
    "jo..x@example.org",
    '"jo smith"@example.org',
    "jo(comment)@example.org",
    "jó@example.org",
    "jo@exämple.org",
    f"{'a' * 250}@example.org",
    "not-an-address",
]
GOOD_EMAILS = [
    "jo@example.org",
    "first.last+tag@mail.example.co.uk",
    "o'brien@example.ie",
    "jo_smith-2@sub-domain.example.com",
    "x@a.io",
]


def contact_errors(contact: dict[str, Any]) -> list[str]:
    validator = get_catalog()["birth"].validator()
    body = {**birth_intake(email="a@example.org"), "contact": contact}
    return [
        str(error.validator)
        for error in validator.iter_errors(body)
        if list(error.absolute_path)[:1] == ["contact"]
    ]


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_the_intake_refuses_anything_but_one_address(email: str) -> None:
    assert contact_errors({"email": email}), email


@pytest.mark.parametrize("email", GOOD_EMAILS)
def test_the_intake_accepts_ordinary_addresses(email: str) -> None:
    assert contact_errors({"email": email}) == []


@pytest.mark.parametrize(
    "phone",
    [
        "555-1234",
        "+1 555 123 4567",
        "15551234567",
        "+0123456789",
        "+1555",
        "+15551234567\n",
        "+1234567890123456",
    ],
)
def test_the_intake_refuses_phone_numbers_not_in_e164(phone: str) -> None:
    assert contact_errors({"email": "jo@example.org", "phone": phone}) == ["pattern"]


@pytest.mark.parametrize("phone", ["+15551234567", "+33142685300", "+4420794600"])
def test_the_intake_accepts_e164_phone_numbers(phone: str) -> None:
    assert contact_errors({"email": "jo@example.org", "phone": phone}) == []


def test_every_life_event_shares_the_strict_contact_and_the_code_uses_the_same_patterns() -> None:
    common = yaml.safe_load((DEFINITIONS_DIR / "common.yaml").read_text(encoding="utf-8"))
    contact = common["$defs"]["contact"]["properties"]
    assert contact["email"]["pattern"] == EMAIL_PATTERN
    assert contact["phone"]["pattern"] == PHONE_PATTERN
    for life_event, definition in get_catalog().items():
        contact_part = definition.part_validator("contact")
        assert list(contact_part.iter_errors({"email": "a@x, b@example.org"})), life_event
        assert not list(contact_part.iter_errors({"email": "b@example.org"})), life_event


@pytest.mark.parametrize("email", ["a@x, someone.else@example.org", "Jo <jo@example.org>"])
def test_the_notification_activity_refuses_anything_but_one_address(email: str) -> None:
    request = NotificationInput.model_validate(
        {
            "journey_id": "j-1",
            "idempotency_key": "j-1/notify",
            "to_email": email,
            "language": "en",
            "service_title": LocalizedText(en="Child benefit", fr="Allocation pour enfants"),
            "agency_name": "Revenue Agency",
            "outcome": "approved",
        }
    )
    with pytest.raises(ApplicationError) as raised:
        ActivityEnvironment().run(send_notification, request)
    assert raised.value.non_retryable
    assert "exactly one e-mail address" in str(raised.value)
