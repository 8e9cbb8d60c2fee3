"""Identity verification: the informant must match the population registry before any fan-out."""

from datetime import date

from sqlmodel import Session
from temporalio import activity

from core import identity_checks
from core.db import get_engine
from core.models import IdentityResult, VerifyIdentityInput
from core.settings import get_settings
from core.tables import PopulationRecord


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _mismatch(record: PopulationRecord | None, request: VerifyIdentityInput) -> str | None:
    """Why the informant does not match the registry (names fields, never values), or None."""
    if record is None:
        return "No person with this national id is on record."
    mismatched = [
        label
        for label, matches in (
            ("given name", _same(record.given_name, request.given_name)),
            ("family name", _same(record.family_name, request.family_name)),
            ("birth date", record.birth_date == date.fromisoformat(request.birth_date)),
        )
        if not matches
    ]
    if not mismatched:
        return None
    return (
        f"The {' and '.join(mismatched)} {'does' if len(mismatched) == 1 else 'do'}"
        " not match the record for this national id."
    )


@activity.defn
def verify_identity(request: VerifyIdentityInput) -> IdentityResult:
    """Match national id, names and birth date against the registry.

    A failure's precise reason is recorded for operators (``IdentityCheckFailure``); the result,
    which the person reads, says only that the check failed.
    """
    with Session(get_engine()) as session:
        record = session.get(PopulationRecord, request.national_id)
        reason = _mismatch(record, request)
        if reason is None:
            return IdentityResult(verified=True)
        identity_checks.record_failure(
            session,
            journey_id=request.journey_id,
            national_id_hash=identity_checks.national_id_hash(
                get_settings().app_secret, request.national_id
            ),
            client_ref=request.client_ref,
            reason=reason,
        )
    return IdentityResult(verified=False, reason=identity_checks.GENERIC_REASON["en"])
