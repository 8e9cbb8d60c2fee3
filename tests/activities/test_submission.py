"""The submission activity logs each attempt in the delivery log: what came back, never what
was sent (a real agency over HTTP, the real app database)."""

import uuid
from typing import Any

import pytest
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.submission import deliver_webhook
from core.db import get_engine
from core.ids import dry_run_id
from core.models import AgencyRequest, DeliverWebhookInput
from core.registry import AgencyCreate, create_agency
from core.settings import get_settings
from core.tables import DeliveryAttempt
from tests.support.agency import ExternalAgency, Script


@pytest.fixture
def agency(app_db: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AGENCY_URL_ALLOWED_NETWORKS", "127.0.0.0/8")
    get_settings.cache_clear()
    with Session(get_engine()) as session:
        _, _, secret = create_agency(
            session=session, agency=AgencyCreate(agency_id="logtest", name="Log Test Agency")
        )
    server = ExternalAgency(secret).start()
    yield server
    server.stop()


def submission(agency: ExternalAgency, path: str, journey_id: str) -> DeliverWebhookInput:
    request = AgencyRequest(
        journey_id=journey_id,
        service_id="logtest.service",
        life_event="birth",
        step_id="logtest.service",
        data={"child": {"given_name": "Noah"}},
        callback_url="http://127.0.0.1:8000/v1/agency-callbacks/x",
        round=2,
    )
    return DeliverWebhookInput(
        journey_id=journey_id,
        agency_id="logtest",
        url=f"{agency.url}/{path}",
        request=request,
        idempotency_key=f"{journey_id}/logtest.service/submit/2",
    )


def logged() -> list[DeliveryAttempt]:
    with Session(get_engine()) as session:
        return list(session.exec(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all())  # type: ignore[arg-type]


async def test_each_attempt_is_logged_with_what_came_back(agency: ExternalAgency) -> None:
    agency.scripts = {"later": Script(["later"]), "down": Script(["5xx"])}
    decided, accepted, failed = (str(uuid.uuid4()) for _ in range(3))
    env = ActivityEnvironment()
    await env.run(deliver_webhook, submission(agency, "now", decided))
    await env.run(deliver_webhook, submission(agency, "later", accepted))
    with pytest.raises(ApplicationError):
        await env.run(deliver_webhook, submission(agency, "down", failed))
    await env.run(deliver_webhook, submission(agency, "now", dry_run_id()))  # not logged

    rows = logged()
    assert [
        (r.journey_id, r.outcome, r.status_code, r.decision, r.round, r.attempt, r.kind)
        for r in rows
    ] == [
        (decided, "decided", 200, "approved", 2, 1, "submission"),
        (accepted, "accepted", 202, None, 2, 1, "submission"),
        (failed, "unavailable", 503, None, 2, 1, "submission"),
    ]
    assert {(r.agency_id, r.service_id) for r in rows} == {("logtest", "logtest.service")}
    assert all(r.elapsed_ms is not None and r.elapsed_ms >= 0 for r in rows)
