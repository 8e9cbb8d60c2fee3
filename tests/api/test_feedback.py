"""The post-transaction survey over the API: once per ended journey, kept without who gave it,
read by operators as aggregates."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlmodel import Session, create_engine, select

from core.tables import FeedbackResponse
from tests.support.stack import BIRTH_SERVICES, Stack, birth_intake

ANSWERS: dict[str, Any] = {
    "satisfaction": 4,
    "trust": 5,
    "ease": 3,
    "went_well": ["told_once", "quick"],
    "did_not_go_well": ["unclear_information"],
    "comment": "Jordan here, write to jordan@example.org, my child was born 2026-11-20.",
    "channel": "web",
}


def _summary(stack: Stack) -> dict[str, Any]:
    with stack.operator() as client:
        response = client.get("/v1/feedback/summary", params={"life_event": "birth"})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found[0] if found else {"responses": 0, "items": {}, "went_well": {}}


def _post(stack: Stack, journey_id: str, body: dict[str, Any]) -> httpx.Response:
    with stack.citizen(journey_id) as client:
        return client.post(f"/v1/journeys/{journey_id}/feedback", json=body)


def test_an_ended_journey_takes_one_response_kept_without_who_gave_it(stack: Stack) -> None:
    before = _summary(stack)
    ended = [stack.submit(birth_intake(email=f"survey{n}@example.org")) for n in range(2)]
    # A journey waiting on the person (a consent not given at intake) has not ended.
    waiting = stack.submit(
        birth_intake(email="survey-wait@example.org", consents=BIRTH_SERVICES[:-1])
    )
    for journey_id in ended:
        stack.wait_until_done(journey_id)
    first, raced = ended

    refused = _post(stack, waiting, ANSWERS)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "urn:lifeevents:problem:journey-not-ended"
    with stack.citizen(waiting) as client:
        assert client.post(f"/v1/journeys/{waiting}/cancel").status_code == 200

    invalid = _post(
        stack,
        first,
        {"satisfaction": 6, "trust": 0, "went_well": ["free_lunch"], "comment": "x" * 1001},
    )
    assert invalid.status_code == 422
    assert {tuple(error["loc"]) for error in invalid.json()["errors"]} == {
        ("body", "satisfaction"),
        ("body", "trust"),
        ("body", "went_well", 0),
        ("body", "comment"),
    }
    assert _post(stack, first, {"trust": 3}).json()["errors"][0]["loc"] == [
        "body",
        "satisfaction",
    ]
    with stack.operator() as client:
        by_operator = client.post(
            f"/v1/journeys/{first}/feedback", json=ANSWERS, headers={"X-Access-Reason": "test"}
        )
    assert by_operator.status_code == 403

    assert _post(stack, first, ANSWERS).status_code == 201
    again = _post(stack, first, ANSWERS)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:lifeevents:problem:feedback-already-given"

    # Two first responses at once: the unique constraint lets exactly one in.
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: _post(stack, raced, {"satisfaction": 2}), range(4)))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]

    engine = create_engine(f"sqlite:///{stack.folder / 'app.db'}")
    with Session(engine) as session:
        rows = session.exec(select(FeedbackResponse)).all()
    stored = " ".join(str(row.model_dump()) for row in rows)
    assert all(journey_id not in stored for journey_id in (first, raced))
    [mine] = [row for row in rows if row.comment and "write to" in row.comment]
    assert mine.comment == "[redacted] here, write to [email], my child was born [date]."
    assert (mine.life_event, mine.channel, mine.language) == ("birth", "web", "en")
    assert sorted(mine.services) == sorted(BIRTH_SERVICES)

    after = _summary(stack)
    assert after["responses"] == before["responses"] + 2
    assert after["went_well"].get("told_once", 0) == before["went_well"].get("told_once", 0) + 1
    assert after["items"]["satisfaction"]["answered"] >= 2
    assert 1 <= after["items"]["satisfaction"]["mean"] <= 5
    assert "comment" not in after
    assert httpx.get(f"{stack.api_url}/v1/feedback/summary").status_code == 401
