"""The OpenAPI description as a generated client reads it: operation ids that are the route
functions' names, tags, one security scheme per kind of credential, and every error answer
documented as a problem (``application/problem+json``).

What each route declares itself: its own answers (404, 409, 412, 429…, with
``problem_responses``). What is added here, mechanically: 401 wherever a credential is required,
403 where a valid credential may still not open the resource (another agency's key, an
operator without a reason), 422 wherever there is input, 500 everywhere.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.problems import PROBLEM_JSON, Problem
from core.settings import Settings

TAGS = [
    {"name": "citizens", "description": "The catalog and the intake: open to anyone"},
    {
        "name": "journeys",
        "description": "A person's journey (their journey token or OIDC identity, or an "
        "operator with a stated reason), and the operators' listing",
    },
    {
        "name": "integrators",
        "description": "An agency's services, credentials and callbacks (its API key; "
        "callbacks are authenticated by their Standard Webhooks signature)",
    },
    {"name": "registries", "description": "Authoritative registries report events"},
    {"name": "operators", "description": "The payload codec server: operators only"},
    {"name": "health", "description": "Liveness and readiness"},
    {"name": "webhooks", "description": "What agencies receive from us"},
]
# Valid credentials that may still be refused: another agency's key; an operator acting on a
# person's journey without X-Access-Reason.
_MAY_FORBID = {"agencyKey", "journeyToken"}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def operation_id(route: APIRoute) -> str:
    """The route function's name: snake_case, stable, unique (a test checks)."""
    return route.name


# Credentials a route takes but does not require (OpenAPI: an empty requirement among them).
OPTIONAL_CREDENTIALS: dict[str, Any] = {"security": [{}]}


def problem_responses(answers: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """A route's own error answers, each a problem."""
    return {code: {"model": Problem, "description": text} for code, text in answers.items()}


def describe(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The OpenAPI document, built once."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        webhooks=app.webhooks.routes,
        tags=TAGS,
    )
    schemes = spec["components"]["securitySchemes"]
    if settings.oidc_issuer:
        schemes["oidc"] = {
            "type": "openIdConnect",
            "openIdConnectUrl": settings.oidc_issuer.rstrip("/")
            + "/.well-known/openid-configuration",
            "description": schemes["oidc"]["description"],
        }
    for operations in spec["paths"].values():
        for operation in operations.values():
            _complete(operation)
    spec["components"]["schemas"].pop("HTTPValidationError", None)
    spec["components"]["schemas"].pop("ValidationError", None)
    app.openapi_schema = spec
    return spec


def _complete(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    security = {name for requirement in operation.get("security", []) for name in requirement}
    if security and {} not in operation["security"]:
        responses.setdefault("401", {"description": "Missing or invalid credentials"})
    if security & _MAY_FORBID:
        responses.setdefault(
            "403",
            {
                "description": "A valid credential that does not open this: another agency's "
                "key, or an operator without X-Access-Reason"
            },
        )
    if operation.get("parameters") or operation.get("requestBody"):
        responses["422"] = {
            "description": "Invalid input: every invalid field in `errors`, with its location"
        }
    responses.setdefault("500", {"description": "A fault on our side (never with its trace)"})
    for code, answer in responses.items():
        if int(code) >= 400:
            _as_problem(answer)


def _as_problem(answer: dict[str, Any]) -> None:
    answer["content"] = {PROBLEM_JSON: {"schema": _PROBLEM_REF}}
