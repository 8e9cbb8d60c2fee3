"""The journey's outcome, recorded once when it ends, for aggregate reports only."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from temporalio import activity

from core.db import get_engine
from core.ids import outcome_ref
from core.models import JourneyOutcomeInput
from core.settings import get_settings
from core.tables import JourneyOutcome


@activity.defn
def record_journey_outcome(outcome: JourneyOutcomeInput) -> None:
    """Idempotent: the row's unique reference makes a retry (or a replayed end) write nothing."""
    meter = outcome.time_tax
    row = JourneyOutcome(
        journey_ref=outcome_ref(get_settings().app_secret, outcome.journey_id),
        life_event=outcome.life_event,
        state=outcome.state,
        started_on=outcome.started_at.date(),
        ended_on=outcome.ended_at.date(),
        seconds_to_outcome=max(0, int((outcome.ended_at - outcome.started_at).total_seconds())),
        language=outcome.language,
        channel=outcome.channel,
        region=outcome.region,
        facts_told=meter.facts_told,
        facts_received=meter.facts_received,
        services_reached=meter.services_reached,
        agencies_reached=meter.agencies_reached,
        contacts_avoided=meter.contacts_avoided,
        documents_not_asked=meter.documents_not_asked,
        minutes_saved=meter.minutes_saved,
    )
    with Session(get_engine()) as session:
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # recorded already
