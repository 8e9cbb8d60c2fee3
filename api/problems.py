"""Every error the API answers is an RFC 9457 problem: ``application/problem+json`` with
``type``, ``title``, ``status``, ``detail`` and ``instance``.

``detail`` keeps what v1 clients read: a sentence, or, on a 422, the list of field errors
(``{"loc", "msg", "type"}``) that it always was. RFC 9457 consumers ignore a ``detail`` that is
not a string (section 3.1), and read the same list from the ``errors`` extension member instead.
"""

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
# Problem types beyond the status code's own meaning; each is named in the README.
TYPE_PREFIX = "urn:lifeevents:problem:"
VALIDATION = "validation-error"


class FieldError(BaseModel):
    """One invalid field: where it is (``["body", "child", "birth_date"]``, ``["query",
    "limit"]``, ``["header", "ce-id"]``), what is wrong, and a stable error code."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "No journey '0b5c…'",
                    "instance": "/v1/journeys/0b5c…",
                }
            ]
        },
    )

    type: str = Field(
        default="about:blank",
        description="What kind of problem: about:blank (the status says it all) or "
        f"{TYPE_PREFIX}<name>",
    )
    title: str = Field(description="The problem type's short summary; the same for every case")
    status: int = Field(description="The HTTP status code")
    detail: str | list[FieldError] | None = Field(
        default=None,
        description="This case, in a sentence; on a 422, the field errors (as in v1)",
    )
    instance: str = Field(description="The request's path")
    errors: list[FieldError] | None = Field(
        default=None, description="On a 422: every invalid field, with its location"
    )


class Problematic(Exception):
    """An error the API answers with a problem of its own type (see ``problem``)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type
        self.title = title
        self.headers = headers
        self.extensions = extensions


def problem(
    request: Request,
    status: int,
    detail: Any,
    *,
    type: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """The answer for one problem. A list ``detail`` is a 422's field errors: they also go in
    ``errors``."""
    body: dict[str, Any] = {
        "type": f"{TYPE_PREFIX}{type}" if type else "about:blank",
        "title": title or _phrase(status),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if isinstance(detail, list):
        body["type"] = f"{TYPE_PREFIX}{type or VALIDATION}"
        body["title"] = title or "The request is not valid"
        body["errors"] = detail
    body.update(extensions)
    return JSONResponse(
        jsonable_encoder(body), status_code=status, headers=headers, media_type=PROBLEM_JSON
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def field_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic's or FastAPI's errors as ``{"loc", "msg", "type"}``: never the rejected
    ``input`` (it may be a person's data), nor ``ctx`` objects."""
    return [
        {"loc": list(error.get("loc", ())), "msg": str(error.get("msg")), "type": error["type"]}
        for error in errors
    ]


async def _http_exception(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """FastAPI's and Starlette's own: unknown routes (404), methods (405, with ``Allow``), large
    bodies (413), and the routes' ``HTTPException``s."""
    headers = dict(error.headers) if error.headers else None
    return problem(request, error.status_code, error.detail, headers=headers)


async def _request_validation(request: Request, error: RequestValidationError) -> JSONResponse:
    return problem(request, 422, field_errors(error.errors()))


async def _problematic(request: Request, error: Problematic) -> JSONResponse:
    return problem(
        request,
        error.status,
        error.detail,
        type=error.type,
        title=error.title,
        headers=error.headers,
        **error.extensions,
    )


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    """A bug or an outage: no stack trace, no exception text (uvicorn logs the traceback)."""
    return problem(request, 500, "Something went wrong on our side; it has been logged.")


_HANDLERS: dict[type[Exception], Callable[[Request, Any], Awaitable[JSONResponse]]] = {
    StarletteHTTPException: _http_exception,
    RequestValidationError: _request_validation,
    Problematic: _problematic,
    Exception: _unexpected,
}


def install_problem_handlers(app: FastAPI) -> None:
    for error, handler in _HANDLERS.items():
        app.add_exception_handler(error, handler)
