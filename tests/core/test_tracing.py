"""OpenTelemetry traces, with OTLP_TRACES_ENDPOINT set: an intake through the API, the journey
on a real worker against the suite's dev server, a real agency over HTTP; the spans reach a
fake collector that speaks OTLP over HTTP/protobuf, and make one trace from the intake's
server span through the workflows and activities to the agency's request, whose `traceparent`
the agency receives."""

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from core import tracing
from core.db import get_engine
from core.settings import get_settings
from core.tables import PopulationRecord
from core.temporal import connect
from simulated_agencies.demo import JORDAN
from tests.security.inprocess import in_process_api, registration
from tests.support.agency import ExternalAgency, Script
from tests.support.otlp import FakeCollector, ReceivedSpan
from tests.support.smtp import SmtpServer
from tests.support.stack import birth_intake
from workflows.worker import build_worker

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


def _one(spans: list[ReceivedSpan], name: str) -> ReceivedSpan:
    [span] = [s for s in spans if s.name == name]
    return span


def test_tracing_is_off_by_default() -> None:
    settings = get_settings().model_copy(update={"otlp_traces_endpoint": None})
    assert tracing.start(settings, "lifeevents-test") is None
    assert tracing.temporal_interceptors(None) == []
    assert not tracing.tracer(None).start_span("nothing").is_recording()


async def test_one_trace_from_the_intake_to_the_agencys_request(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    temporal_env: WorkflowEnvironment,
    smtp: SmtpServer,
) -> None:
    task_queue = f"traced-{uuid.uuid4().hex[:8]}"
    service_id = "harbour.birth-notice"
    with FakeCollector() as collector:
        monkeypatch.setenv("OTLP_TRACES_ENDPOINT", collector.endpoint)
        monkeypatch.setenv("TASK_QUEUE", task_queue)
        monkeypatch.setenv("SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("AGENCY_URL_ALLOWED_NETWORKS", "127.0.0.0/8")
        with in_process_api(
            f"sqlite:///{tmp_path / 'app.db'}", tmp_path, monkeypatch, temporal_env
        ) as api:
            with Session(get_engine()) as session:
                session.add(
                    PopulationRecord(
                        national_id=JORDAN.national_id,
                        given_name=JORDAN.given_name,
                        family_name=JORDAN.family_name,
                        birth_date=JORDAN.birth_date,
                    )
                )
                session.commit()
            _, secret = api.agency("harbour")
            agency = ExternalAgency(secret).start()
            agency.scripts[service_id] = Script(steps=["ok"], reference="HBR-1")
            try:
                registered = api.client.post(
                    "/v1/agencies/harbour/services",
                    json=registration(
                        service_id,
                        delivery={"mode": "webhook", "url": f"{agency.url}/{service_id}"},
                    ),
                    headers=api.as_agency("harbour"),
                )
                assert registered.status_code == 201, registered.text

                settings = get_settings()
                provider = tracing.start(settings, "lifeevents-worker")
                tracing.use_for_activities(provider)
                client = await connect(
                    settings, interceptors=tracing.temporal_interceptors(provider)
                )
                with ThreadPoolExecutor(max_workers=4) as executor:
                    async with build_worker(client, settings, executor):
                        body = birth_intake(
                            email="traced@example.org", services=[service_id], consents=[service_id]
                        )
                        # A caller that traces too: the intake's span continues its trace.
                        caller = {"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"}
                        accepted = api.client.post(
                            "/v1/life-events/birth/intakes", json=body, headers=caller
                        )
                        assert accepted.status_code == 202, accepted.text
                        journey_id = accepted.json()["journey_id"]
                        handle = client.get_workflow_handle(journey_id)
                        ended = await asyncio.wait_for(handle.result(), 60)
                        assert ended["state"] == "completed", ended
                tracing.stop(provider)
            finally:
                agency.stop()
        # The API's spans are sent when it stops (its lifespan shuts its provider down).

    spans = collector.spans
    assert collector.content_types == {"application/x-protobuf"}
    intake = _one(spans, "POST /v1/life-events/{life_event}/intakes")
    assert (intake.service, intake.kind) == ("lifeevents-api", Span.SPAN_KIND_SERVER)
    assert intake.attributes["http.response.status_code"] == 202
    assert (intake.trace_id, intake.parent_span_id) == (CALLER_TRACE, CALLER_SPAN)
    trace = [s for s in spans if s.trace_id == intake.trace_id]
    names = {s.name for s in trace}
    for expected in (
        "StartWorkflow:LifeEventJourney",
        "RunWorkflow:LifeEventJourney",
        "StartChildWorkflow:AgencyServiceWorkflow",
        "RunWorkflow:AgencyServiceWorkflow",
        "RunActivity:verify_identity",
        "RunActivity:deliver_webhook",
        "RunActivity:send_notification",
        "POST agency",
    ):
        assert expected in names, (expected, sorted(names))
    start = _one(trace, "StartWorkflow:LifeEventJourney")
    assert start.parent_span_id == intake.span_id
    delivery = _one(trace, "RunActivity:deliver_webhook")
    request = _one(trace, "POST agency")
    assert request.parent_span_id == delivery.span_id
    assert request.kind == Span.SPAN_KIND_CLIENT
    assert request.attributes["http.response.status_code"] == 200
    assert request.attributes["lifeevents.service_id"] == service_id
    assert {s.service for s in trace} == {"lifeevents-api", "lifeevents-worker"}

    # The agency received the request span's context.
    [received] = [d for d in agency.deliveries if d.body.get("journey_id") == journey_id]
    version, trace_id, parent_id, flags = received.headers["traceparent"].split("-")
    assert (version, trace_id, parent_id) == ("00", intake.trace_id, request.span_id)
    assert int(flags, 16) & 1  # sampled

    # No person's data in any span (names, ids, contact), nor the journey link's token.
    exported = json.dumps([s.attributes for s in spans]) + " ".join(s.name for s in spans)
    for personal in (JORDAN.national_id, JORDAN.given_name, JORDAN.family_name, "traced@"):
        assert personal not in exported, personal
