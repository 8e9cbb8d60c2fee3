"""Consent: every give, refusal or withdrawal is recorded, append-only, with its purpose."""

from sqlmodel import Session
from temporalio import activity

from core.db import get_engine
from core.models import ConsentRecordInput, ConsentRecordsInput
from core.tables import ConsentRecord


@activity.defn
def record_consent(request: ConsentRecordInput) -> None:
    with Session(get_engine()) as session:
        session.add(ConsentRecord(**request.model_dump()))
        session.commit()


@activity.defn
def record_consents(request: ConsentRecordsInput) -> None:
    """Several at once (the consents given at intake), in one transaction."""
    with Session(get_engine()) as session:
        session.add_all(ConsentRecord(**record.model_dump()) for record in request.records)
        session.commit()
