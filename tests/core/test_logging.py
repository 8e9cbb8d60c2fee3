"""The redaction processor: personal keys, e-mail addresses and national ids, exceptions too."""

import io
import json
import logging

import structlog

from core.logging import configure_logging
from core.settings import Settings


def test_personal_data_is_redacted_everywhere_even_in_tracebacks() -> None:
    configure_logging(Settings(log_format="json"), "test")
    stream = io.StringIO()
    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]
    log = structlog.get_logger("test")
    log.info("intake", national_id="123456782", email="a@b.org", note="mail a@b.org, id 123456782")
    try:
        raise ValueError("no person 123456782 at someone@example.org")
    except ValueError:
        logging.getLogger("temporalio.worker").exception("activity failed")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    text = stream.getvalue()
    assert "123456782" not in text and "a@b.org" not in text and "someone@example.org" not in text
    assert lines[0]["national_id"] == "[redacted]"
    assert lines[0]["note"] == "mail [email], id [id]"
    assert "ValueError: no person [id] at [email]" in lines[1]["exception"]
