"""What an agency writes back in free text (a decision's message, an error body) may echo the
person's data; it is redacted before it reaches the workflow's history, the journey's status or
a log: e-mail addresses, nine-digit ids, ISO dates, and any value of the data it was sent."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.submission import deliver_webhook
from core.db import get_engine
from core.logging import redact_text
from core.migrations import upgrade
from core.models import AgencyRequest, DeliverWebhookInput
from core.registry import AgencyCreate, create_agency
from core.settings import get_settings

DATA: dict[str, Any] = {
    "child": {"given_name": "Zephyrine", "family_name": "Okonkwo-Smith", "sex": "F"},
    "informant": {"national_id": "234567891", "birth_date": "1988-11-02"},
}


def test_redact_text_removes_personal_data() -> None:
    text = (
        "We cannot register ZEPHYRINE Okonkwo-Smith (F), born 2024-02-29, informant 234567891 "
        "(jordan.smith@example.org), birth date 1988-11-02; see case 12345."
    )
    redacted = redact_text(text, DATA)
    for personal in ("ZEPHYRINE", "Okonkwo", "2024-02-29", "234567891", "jordan", "1988-11-02"):
        assert personal.lower() not in redacted.lower(), redacted
    assert "[redacted]" in redacted and "[email]" in redacted and "[date]" in redacted
    # What is not personal stays: one-letter values, the agency's own words and numbers.
    assert "We cannot register" in redacted and "(F)" in redacted and "case 12345" in redacted
    assert redact_text("Nothing personal here.", DATA) == "Nothing personal here."
    assert (
        redact_text("Answer: IBAN FR76 3000", [{"account": "FR76 3000"}])
        == "Answer: IBAN [redacted]"
    )


def test_short_values_go_as_whole_words_and_codes_stay() -> None:
    sent = {"given_name": "Léa", "family_name": "Tremblay", "language": "fr", "province": "ON"}
    text = "Léa's file (Tremblays): sent from ONTARIO on Monday, in fr; Léandre is someone else."
    assert redact_text(text, sent) == (
        "[redacted]'s file ([redacted]s): sent from ONTARIO on Monday, in fr; Léandre is someone "
        "else."
    )


class _Agency(BaseHTTPRequestHandler):
    """Answers every POST with the status and JSON body the test set on the server."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, body = self.server.answer  # type: ignore[attr-defined]
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def agency(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadingHTTPServer]:
    """A local agency (allowed: loopback) and an app database holding its signing secret."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AGENCY_URL_ALLOWED_NETWORKS", "127.0.0.0/8")
    get_settings.cache_clear()
    get_engine.cache_clear()
    upgrade(get_engine())
    with Session(get_engine()) as session:
        create_agency(session=session, agency=AgencyCreate(agency_id="harbour", name="Harbour"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Agency)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def submission(server: ThreadingHTTPServer) -> DeliverWebhookInput:
    return DeliverWebhookInput(
        journey_id="j-1",
        agency_id="harbour",
        url=f"http://127.0.0.1:{server.server_address[1]}/notices",
        request=AgencyRequest(
            journey_id="j-1",
            service_id="harbour.birth-notice",
            life_event="birth",
            step_id="harbour.birth-notice",
            data=DATA,
            callback_url="http://127.0.0.1:8000/v1/agency-callbacks/x",
        ),
        idempotency_key="j-1/harbour.birth-notice/submit",
    )


async def test_an_agency_error_echoing_the_name_is_redacted(agency: ThreadingHTTPServer) -> None:
    agency.answer = (  # type: ignore[attr-defined]
        400,
        {"message": "Zephyrine Okonkwo-Smith, born 1988-11-02, is unknown to us (234567891)"},
    )
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(deliver_webhook, submission(agency))
    message = str(raised.value)
    assert raised.value.non_retryable and "The agency refused the request (400)" in message
    for personal in ("Zephyrine", "Okonkwo", "1988-11-02", "234567891"):
        assert personal not in message, message
    assert "is unknown to us" in message


async def test_a_long_error_body_is_redacted_before_it_is_cut(agency: ThreadingHTTPServer) -> None:
    agency.answer = (400, "x" * 490 + " Zephyrine" * 3)  # type: ignore[attr-defined]
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(deliver_webhook, submission(agency))
    assert "Zep" not in str(raised.value)


async def test_a_decision_message_echoing_the_name_is_redacted(
    agency: ThreadingHTTPServer,
) -> None:
    agency.answer = (  # type: ignore[attr-defined]
        200,
        {
            "decision": "approved",
            "reference": "H-1",
            "message": "Welcome, Zephyrine! Write to parent@example.org before 2030-01-01.",
        },
    )
    result = await ActivityEnvironment().run(deliver_webhook, submission(agency))
    assert result.decision is not None and result.decision.message is not None
    assert result.decision.message == "Welcome, [redacted]! Write to [email] before [date]."
    assert result.decision.reference == "H-1"


async def test_an_invalid_decision_does_not_carry_the_body(agency: ThreadingHTTPServer) -> None:
    agency.answer = (200, {"decision": "Zephyrine approved"})  # type: ignore[attr-defined]
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(deliver_webhook, submission(agency))
    assert "Zephyrine" not in str(raised.value) and raised.value.__cause__ is None
