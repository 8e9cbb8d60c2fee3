"""Identity verification against the population registry."""

import pytest
from temporalio.testing import ActivityEnvironment

from activities.identity import verify_identity
from lifeevents.models import VerifyIdentityInput
from simulated_agencies.demo import JORDAN


@pytest.mark.parametrize(
    ("changes", "verified", "reason"),
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
    app_db: str, changes: dict[str, str], verified: bool, reason: str | None
) -> None:
    result = ActivityEnvironment().run(
        verify_identity, VerifyIdentityInput(journey_id="j", **{**JORDAN.identity(), **changes})
    )
    assert (result.verified, result.reason) == (verified, reason)
