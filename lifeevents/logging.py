"""structlog for every process: a console renderer in a terminal, JSON lines otherwise.

Every record, ours or a library's (Temporal, uvicorn), goes through the same processors, which
add ``journey_id`` where the record is about a journey and drop personal data.
"""

import logging
import re
import sys
from collections.abc import Iterator
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

from lifeevents.ids import journey_id_of
from lifeevents.settings import Settings

# Keys whose values are personal data: never rendered, whatever logged them.
PERSONAL_KEYS = frozenset(
    {
        "national_id",
        "given_name",
        "family_name",
        "birth_date",
        "email",
        "to_email",
        "phone",
        "intake",
        "data",
        "payee_national_id",
    }
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Nine digits standing alone look like a national id (they may hide in an exception's text).
_NATIONAL_ID = re.compile(r"(?<![\w-])\d{9}(?![\w-])")


# A calendar date (a birth date, most likely) written the ISO way.
_ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
REDACTED = "[redacted]"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def redact_text(text: str, personal: Any = None) -> str:
    """Free text from outside (an agency's message, its error body) made fit to log and store:
    e-mail addresses, nine-digit ids and ISO dates go, and so does every string of ``personal``
    (the data the agency was sent, at any depth) of two characters or more, wherever it
    appears, whatever its case."""
    values = sorted({v for v in _strings(personal) if len(v.strip()) >= 2}, key=len, reverse=True)
    if values:
        pattern = re.compile("|".join(re.escape(v) for v in values), re.IGNORECASE)
        text = pattern.sub(REDACTED, text)
    text = _EMAIL.sub("[email]", text)
    text = _NATIONAL_ID.sub("[id]", text)
    return _ISO_DATE.sub("[date]", text)


def _add_journey_id(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    record = event_dict.get("_record")
    if "journey_id" not in event_dict and record is not None:
        for extra in ("temporal_workflow", "temporal_activity"):
            info = getattr(record, extra, None)
            if isinstance(info, dict) and "workflow_id" in info:
                event_dict["journey_id"] = journey_id_of(str(info["workflow_id"]))
                break
    return event_dict


def _redact_personal_data(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    for key in PERSONAL_KEYS & event_dict.keys():
        event_dict[key] = "[redacted]"
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = _NATIONAL_ID.sub("[id]", _EMAIL.sub("[email]", value))
    return event_dict


def configure_logging(settings: Settings, process: str) -> None:
    """Route structlog and stdlib logging through one pipeline; call once per process."""
    as_json = settings.log_format == "json" or (
        settings.log_format == "auto" and not sys.stderr.isatty()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_journey_id,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Tracebacks become text first, so that redaction covers them too.
            structlog.processors.format_exc_info,
            _redact_personal_data,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("httpx", "httpcore", "sqlalchemy.engine", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(process=process)

    # Temporal's workflow logger would otherwise append the whole workflow info to each message.
    from temporalio import activity, workflow

    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
