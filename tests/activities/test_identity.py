"""Identity verification against the population registry."""

import pytest
from sqlmodel import Session
from temporalio.testing import ActivityEnvironment

from activities.identity import verify_identity
from core.db import get_engine
from core.identity_checks import GENERIC_REASON, failure_reason
from core.models import VerifyIdentityInput
from simulated_agencies.demo import JORDAN


@pytest.mark.parametrize(
    ("changes", "verified", "detail"),
    [
        ({}, True, None),
        ({"given_name": " jordan "}, True, None),
        ({"national_id": "999999999"}, False, "No person with this national id is on record."),
        (
            {"family_name": "Smyth"},
            False,
            "The family name does not match the record for this national id.",
        ),
        (
            {"family_name": "Smyth", "birth_date": "1988-11-03"},
            False,
            "The family name and birth date do not match the record for this national id.",
        ),
    ],
)
def test_the_informant_must_match_the_registry(
    app_db: str, changes: dict[str, str], verified: bool, detail: str | None
) -> None:
    """The result (which the person reads) says only that the check failed; the precise
    reason is recorded for operators."""
    result = ActivityEnvironment().run(
        verify_identity, VerifyIdentityInput(journey_id="j", **{**JORDAN.identity(), **changes})
    )
    assert (result.verified, result.reason) == (
        verified,
        None if verified else GENERIC_REASON["en"],
    )
    with Session(get_engine()) as session:
        assert failure_reason(session, "j") == detail
