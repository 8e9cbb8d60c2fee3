"""Every error is an RFC 9457 problem (application/problem+json: type, title, status, detail,
instance), whoever raises it: FastAPI's routing, validation, authentication, a domain error, the
body limit, or a bug."""

from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_handlers
from api.problems import PROBLEM_JSON
from core.settings import get_settings
from tests.security.inprocess import InProcessApi, api

__all__ = ["api"]
MEMBERS = {"type", "title", "status", "detail", "instance"}


def problem_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert MEMBERS <= set(body), body
    assert body["status"] == status
    return body


def test_routing_errors_are_problems(api: InProcessApi) -> None:
    unknown = problem_of(api.client.get("/v1/nowhere"), 404)
    assert unknown == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Not Found",
        "instance": "/v1/nowhere",
    }
    wrong_method = api.client.delete("/v1/life-events")
    assert problem_of(wrong_method, 405)["title"] == "Method Not Allowed"
    assert wrong_method.headers["allow"] == "GET"


def test_a_validation_error_lists_each_field_with_its_location(api: InProcessApi) -> None:
    api.agency("problems")
    response = api.client.post(
        "/v1/agencies/problems/services",
        json={"service_id": "problems.x", "title": {"en": "x"}, "sla": 5},
        headers=api.as_agency("problems"),
    )
    body = problem_of(response, 422)
    assert body["type"] == "urn:lifeevents:problem:validation-error"
    locs = [error["loc"] for error in body["errors"]]
    assert ["body", "title", "fr"] in locs and ["body", "life_events"] in locs
    # v1 clients read the same list from detail; the rejected values are never echoed.
    assert body["detail"] == body["errors"]
    assert all(set(error) == {"loc", "msg", "type"} for error in body["errors"])


def test_credentials_and_domain_errors_are_problems(api: InProcessApi) -> None:
    missing = problem_of(api.client.get("/v1/journeys"), 401)
    assert missing["detail"] == "Missing or invalid credentials"
    api.agency("ours")
    api.agency("theirs")
    forbidden = api.client.get("/v1/agencies/theirs/services", headers=api.as_agency("ours"))
    assert problem_of(forbidden, 403)["detail"] == "This key belongs to another agency"
    absent = api.client.get("/v1/agencies/ours/services/ours.none", headers=api.as_agency("ours"))
    assert problem_of(absent, 404) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No service 'ours.none'",
        "instance": "/v1/agencies/ours/services/ours.none",
    }


def test_an_oversized_body_is_a_problem_too(api: InProcessApi) -> None:
    limit = get_settings().max_body_bytes
    response = api.client.post(
        "/v1/life-events/birth/intakes",
        content=b'{"a": "' + b"x" * limit + b'"}',
        headers={"content-type": "application/json"},
    )
    assert "larger than" in problem_of(response, 413)["detail"]


def test_a_bug_answers_500_without_its_trace() -> None:
    app = FastAPI()
    install_handlers(app)

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError("secret internals at /srv/app/db.py line 42")

    response = TestClient(app, raise_server_exceptions=False).get("/broken")
    body = problem_of(response, 500)
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert body["title"] == "Internal Server Error"
