"""structlog for every process: a console renderer in a terminal, JSON lines otherwise.

Every record, ours or a library's (Temporal, uvicorn), goes through the same processors, which
add ``journey_id`` where the record is about a journey and drop personal data.
"""

import logging
import sys
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

from core.ids import journey_id_of
from core.redaction import EMAIL, NATIONAL_ID, REDACTED
from core.redaction import redact_text as redact_text  # its home before redaction.py
from core.settings import Settings

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
        event_dict[key] = REDACTED
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = NATIONAL_ID.sub("[id]", EMAIL.sub("[email]", value))
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
    # alembic.runtime: the schema check at every start (`lifeevents migrate` says what it did).
    for noisy in ("httpx", "httpcore", "sqlalchemy.engine", "mail.log", "alembic.runtime"):
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
