"""The codec server for the Temporal UI and CLI: operators see decrypted payloads, nobody else.

Same contract as Temporal's codec servers: ``POST /codec/encode`` and ``/codec/decode`` take
and return ``{"payloads": [...]}`` (protobuf JSON), with the namespace in ``X-Namespace``.
"""

import json
import re
from typing import Any

import structlog
from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from api.deps import is_operator, oidc, operator_token
from api.openapi import problem_responses
from core import audit
from core.codec import codec_from_settings
from core.settings import Settings
from use_cases.deps import SessionDep, SettingsDep

# The codec reads the Authorization header itself (the dev stack's UI may come without one);
# these declare, for the OpenAPI description, that it is the operators' credential.
router = APIRouter(
    prefix="/codec",
    tags=["operators"],
    dependencies=[Depends(operator_token), Depends(oidc)],
    responses=problem_responses({404: "Unknown namespace (X-Namespace)"}),
)
log = structlog.get_logger(__name__)
# Protobuf JSON's bytes: standard or URL-safe base64, padded or not.
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"payloads": {"type": "array"}}},
                "example": {
                    "payloads": [
                        {"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "eyJhIjogMX0="}
                    ]
                },
            }
        },
    }
}


# Who decodes through the dev stack's trusted UI origin (no login there, so no name).
TRUSTED_UI = "ui:trusted-origin"


def _allowed(request: Request, settings: Settings) -> str | None:
    """Who may use the codec: the operator ("operator:<name>"), or the trusted UI origin."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        operator = is_operator(header[7:], settings)
        if operator is not None:
            return operator
    # The dev stack's local UI has no login: trust its origin there, and only there.
    origins = {o.strip() for o in settings.codec_cors_origins.split(",")}
    if settings.codec_trust_ui_origin and request.headers.get("origin") in origins:
        return TRUSTED_UI
    return None


async def _payloads(request: Request, settings: Settings) -> tuple[str, Payloads]:
    who = await run_in_threadpool(_allowed, request, settings)
    if who is None:
        log.warning("codec refused", namespace=request.headers.get("x-namespace"))
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Operators only")
    if request.headers.get("x-namespace", settings.temporal_namespace) != (
        settings.temporal_namespace
    ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Unknown namespace")
    document = _json(await request.body())
    try:
        return who, json_format.ParseDict(document, Payloads())
    except json_format.ParseError as error:
        raise _unprocessable(["body"], str(error)) from error


def _json(body: bytes) -> dict[str, Any]:
    """The body as a JSON object whose bytes fields are base64 (protobuf's own parser takes
    anything: it would decode "%%%" as empty bytes)."""
    try:
        document = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise _unprocessable(["body"], "The body is not UTF-8") from error
    except (ValueError, RecursionError) as error:
        raise _unprocessable(["body"], "The body is not JSON") from error
    if not isinstance(document, dict):
        raise _unprocessable(["body"], "Input should be an object with payloads")
    payloads = document.get("payloads")
    for index, payload in enumerate(payloads if isinstance(payloads, list) else []):
        if not isinstance(payload, dict):
            continue
        at: list[str | int] = ["body", "payloads", index]
        if not _is_base64(payload.get("data", "")):
            raise _unprocessable([*at, "data"], "Input should be base64")
        metadata = payload.get("metadata")
        for key, value in (metadata if isinstance(metadata, dict) else {}).items():
            if not _is_base64(value):
                raise _unprocessable([*at, "metadata", key], "Input should be base64")
    return document


def _is_base64(value: Any) -> bool:
    if not isinstance(value, str):
        return True  # not a string at all: protobuf's parser says so
    unpadded = value.rstrip("=")
    return (
        _BASE64.fullmatch(value) is not None
        and len(unpadded) % 4 != 1
        and (unpadded == value or len(value) % 4 == 0)
    )


def _unprocessable(loc: list[str | int], message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [{"loc": loc, "msg": message, "type": "value_error"}],
    )


@router.post("/encode", openapi_extra=_BODY)
async def encode_payloads(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Operators only: encrypt payloads (for the CLI and UI when they send data to a journey)."""
    _, payloads = await _payloads(request, settings)
    encoded = await codec_from_settings(settings).encode(list(payloads.payloads))
    return json_format.MessageToDict(Payloads(payloads=encoded))


@router.post("/decode", openapi_extra=_BODY)
async def decode_payloads(
    request: Request, settings: SettingsDep, session: SessionDep
) -> dict[str, Any]:
    """Operators only: decrypt payloads for an operator's eyes (each use is in the audit
    trail)."""
    who, payloads = await _payloads(request, settings)
    log.info("operator decoded payloads", who=who, count=len(payloads.payloads))
    await run_in_threadpool(
        lambda: audit.append(
            session,
            actor=who,
            action="payloads_decoded",
            detail={"count": len(payloads.payloads), "origin": request.headers.get("origin")},
        )
    )
    decoded = await codec_from_settings(settings).decode(list(payloads.payloads))
    return json_format.MessageToDict(Payloads(payloads=decoded))
