"""Identity verification: the informant must match the population registry before any fan-out."""

from datetime import date

from sqlmodel import Session
from temporalio import activity

from lifeevents.db import get_engine
from lifeevents.models import IdentityResult, VerifyIdentityInput
from lifeevents.tables import PopulationRecord


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


@activity.defn
def verify_identity(request: VerifyIdentityInput) -> IdentityResult:
    """Match national id, names and birth date against the registry. Reasons name no values."""
    with Session(get_engine()) as session:
        record = session.get(PopulationRecord, request.national_id)
    if record is None:
        return IdentityResult(
            verified=False, reason="No person with this national id is on record."
        )
    mismatched = [
        label
        for label, matches in (
            ("given name", _same(record.given_name, request.given_name)),
            ("family name", _same(record.family_name, request.family_name)),
            ("birth date", record.birth_date == date.fromisoformat(request.birth_date)),
        )
        if not matches
    ]
    if mismatched:
        return IdentityResult(
            verified=False,
            reason=(
                f"The {' and '.join(mismatched)} {'does' if len(mismatched) == 1 else 'do'}"
                " not match the record for this national id."
            ),
        )
    return IdentityResult(verified=True)
