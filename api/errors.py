"""Error bodies in FastAPI's own 422 shape, for validation done outside pydantic."""

import re
from typing import Any

from fastapi import HTTPException, status
from jsonschema.exceptions import ValidationError as SchemaValidationError

_QUOTED = re.compile(r"'([^']+)'")


def schema_error_detail(error: SchemaValidationError) -> dict[str, Any]:
    """One JSON Schema error as {"loc", "msg", "type"}; "required" points at the missing field."""
    loc: list[str | int] = ["body", *error.absolute_path]
    if error.validator == "required":
        missing = _QUOTED.search(error.message)
        if missing:
            loc.append(missing.group(1))
        return {"loc": loc, "msg": "Field required", "type": "missing"}
    if error.validator == "additionalProperties":
        extra = _QUOTED.search(error.message)
        if extra:
            loc.append(extra.group(1))
        return {"loc": loc, "msg": "Extra inputs are not permitted", "type": "extra_forbidden"}
    # Messages quote the offending value; keep personal data out of error bodies and logs.
    message = error.message
    if error.validator in ("pattern", "format", "maxLength", "minLength", "enum", "type"):
        message = _describe(error)
    return {"loc": loc, "msg": message, "type": str(error.validator)}


def _describe(error: SchemaValidationError) -> str:
    match error.validator:
        case "pattern":
            return f"String should match pattern '{error.validator_value}'"
        case "format":
            return f"Value is not a valid {error.validator_value}"
        case "maxLength":
            return f"String should have at most {error.validator_value} characters"
        case "minLength":
            return f"String should have at least {error.validator_value} characters"
        case "enum":
            return f"Input should be one of {error.validator_value}"
        case _:
            return f"Input should be of type {error.validator_value}"


def unprocessable(detail: list[dict[str, Any]]) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)
