"""The time-tax meter on a real stack: a birth through the demo agencies (whose registrations
give burden figures) shows the person what telling once spared them, as JSON and on their
journey's page, and leaves one outcome row, without personal data, in the app database."""

import httpx
from sqlalchemy import create_engine
from sqlmodel import Session, select

from core.ids import outcome_ref
from core.settings import Settings
from core.tables import JourneyOutcome
from core.time_tax import ASSUMPTION
from simulated_agencies.registrations import simulated
from tests.support.stack import Stack, birth_intake


def test_a_birth_shows_its_time_tax_and_leaves_its_outcome(stack: Stack) -> None:
    journey = stack.submit(birth_intake(email="time-tax@example.org"))
    status = stack.wait_until_done(journey)
    assert status["state"] == "completed", status

    with stack.citizen(journey) as citizen:
        answer = citizen.get(f"/v1/journeys/{journey}/time-tax")
    assert answer.status_code == 200, answer.text
    tax = answer.json()
    reached = [s["id"] for s in status["steps"] if s["kind"] == "agency_service"]
    burdens = {s.service_id: s.burden for s in simulated().services if s.service_id in reached}
    assert all(burdens.values()), "the demo's birth services all give a burden figure"
    assert tax["services_reached"] == len(reached)
    contacts = sum(b.contacts for b in burdens.values() if b)
    assert tax["contacts_avoided"] == contacts - 1
    minutes = [(b.contacts, b.minutes_per_contact) for b in burdens.values() if b]
    assert tax["minutes_saved"] == sum(c * m for c, m in minutes) - max(m for _, m in minutes)
    assert {d["service_id"] for d in tax["decisions"]} == set(reached)
    assert tax["seconds_to_end"] is not None and tax["assumption"] == ASSUMPTION

    # Nobody else's: no token, or another journey's token, is refused.
    assert httpx.get(f"{stack.api_url}/v1/journeys/{journey}/time-tax").status_code == 401
    other = stack.submit(birth_intake(email="time-tax-other@example.org"))
    with stack.citizen(other) as stranger:
        assert stranger.get(f"/v1/journeys/{journey}/time-tax").status_code == 404

    # The person's page says it, with its assumption.
    with httpx.Client(base_url=stack.api_url, timeout=30) as browser:
        opened = browser.get(f"/journeys/{journey}", params={"token": stack.tokens[journey]})
        assert opened.status_code == 303, opened.text
        # The cookie is Secure: sent by hand over the test's plain HTTP.
        cookie = opened.headers["set-cookie"].split(";")[0]
        page = browser.get(f"/journeys/{journey}", headers={"Cookie": cookie})
    assert page.status_code == 200
    assert "Time saved (estimate)" in page.text and ASSUMPTION in page.text
    assert f"{tax['contacts_avoided']} contacts with agencies" in page.text

    secret = stack.env.get("APP_SECRET") or Settings.model_fields["app_secret"].default
    engine = create_engine(stack.env["DATABASE_URL"])
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(JourneyOutcome).where(
                    JourneyOutcome.journey_ref == outcome_ref(secret, journey)
                )
            ).all()
    finally:
        engine.dispose()
    [row] = rows
    assert (row.life_event, row.state, row.channel, row.language) == (
        "birth",
        "completed",
        "api",
        "en",
    )
    assert (row.contacts_avoided, row.minutes_saved) == (
        tax["contacts_avoided"],
        tax["minutes_saved"],
    )
    stored = " ".join(str(value) for value in row.model_dump().values())
    assert journey not in stored and "time-tax@example.org" not in stored
