"""The delivery log over the API: a service's log and rates for operators, and a logged
submission sent to the agency again, audited."""

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from core import delivery_log
from core.registry import AgencyCreate, ServiceRegistration, create_agency, upsert_service
from core.tables import AuditEntry, DeliveryAttempt
from tests.api.conftest import TASK_QUEUE
from tests.support.inprocess_api import OPERATOR
from tests.workflows.fakes import Recorder, service_plan, start_journey
from tests.workflows.test_engine import status_when, step

SERVICE = "logged.service"
REASON = "The agency lost it (their ticket 5521)"


def register(engine: Engine) -> None:
    example = ServiceRegistration.model_json_schema()["examples"][0]
    registration = ServiceRegistration.model_validate(
        {**example, "service_id": SERVICE, "sla": "P1D", "withdrawal": None}
    )
    with Session(engine) as session:
        create_agency(session=session, agency=AgencyCreate(agency_id="logged", name="Logged"))
        upsert_service(session=session, agency_id="logged", registration=registration)


async def test_operators_read_a_services_log_and_rates_and_resend_a_delivery(
    time_skipping_env: WorkflowEnvironment,
    recorder: Recorder,
    api: httpx.AsyncClient,
    database: Engine,
) -> None:
    register(database)
    handle = await start_journey(
        time_skipping_env.client, TASK_QUEUE, service_plan(SERVICE, agency_id="logged")
    )
    await status_when(handle, lambda s: step(s, SERVICE).state == "waiting_for_agency")
    with Session(database) as session:  # as the submission activity logs it
        delivery_log.record(
            session,
            DeliveryAttempt(
                journey_id=handle.id,
                agency_id="logged",
                service_id=SERVICE,
                round=1,
                kind="submission",
                attempt=1,
                outcome="accepted",
                status_code=202,
                elapsed_ms=12,
            ),
        )
    base = f"/v1/agencies/logged/services/{SERVICE}"

    assert (await api.get(f"{base}/deliveries")).status_code == 401
    assert (
        await api.get("/v1/agencies/logged/services/nope/deliveries", headers=OPERATOR)
    ).status_code == 404
    listed = await api.get(f"{base}/deliveries", headers=OPERATOR)
    assert listed.status_code == 200, listed.text
    [delivery] = listed.json()
    assert (delivery["journey_id"], delivery["outcome"], delivery["status_code"]) == (
        handle.id,
        "accepted",
        202,
    )
    rates = await api.get(f"{base}/delivery-rates", params={"days": 7}, headers=OPERATOR)
    assert rates.status_code == 200, rates.text
    assert (rates.json()["submissions"], rates.json()["failure_rate"]) == (1, 0.0)
    assert (
        await api.get(f"{base}/delivery-rates", params={"days": 0}, headers=OPERATOR)
    ).status_code == 422

    url = f"{base}/deliveries/{delivery['id']}/resend"
    assert (await api.post(url, json={"reason": REASON})).status_code == 401
    assert (
        await api.post(f"{base}/deliveries/999/resend", json={"reason": REASON}, headers=OPERATOR)
    ).status_code == 404
    resent = await api.post(url, json={"reason": REASON}, headers=OPERATOR)
    assert resent.status_code == 200, resent.text
    await status_when(
        handle,
        lambda _: any(
            s.idempotency_key == f"{handle.id}/{SERVICE}/submit/2" for s in recorder.submissions
        ),
    )
    with Session(database) as session:
        [entry] = session.exec(
            select(AuditEntry).where(
                AuditEntry.journey_id == handle.id, AuditEntry.action == "step_resubmitted"
            )
        ).all()
    assert entry.detail == {"step_id": SERVICE, "reason": REASON, "delivery_id": delivery["id"]}
    await status_when(handle, lambda s: step(s, SERVICE).state == "waiting_for_agency")
    await handle.terminate()  # once the step has told its journey where it stands
