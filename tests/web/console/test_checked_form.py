"""Every console form is posted through one CSRF check (web/console/checked_form.py): without
a valid token, any of them answers the expired-form page (403) and nothing is done; a form
posted to a page that does not exist is the not-found page (404) whatever its token
(web/console/missing_page.py)."""

import importlib
import pkgutil
import uuid

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.web.conftest import web
from tests.web.console.test_pages import sign_in
from web import console as console_pages

__all__ = ["web"]
PATH_VALUES = {
    "journey_id": str(uuid.uuid4()),
    "kind": "resend",
    "view_id": "1",
    "life_event": "birth",
    "agency_id": "vital-statistics",
    "service_id": "vital-statistics.birth-registration",
    "delivery_id": "1",
}


def console_forms() -> list[str]:
    """The path of every form the console's modules take, its parameters filled in."""
    modules = [
        importlib.import_module(f"web.console.{module.name}")
        for module in pkgutil.iter_modules(console_pages.__path__)
    ]
    routes = [
        route
        for module in modules
        if hasattr(module, "router")
        for route in module.router.routes
        if isinstance(route, APIRoute)
    ]
    return [route.path.format(**PATH_VALUES) for route in routes if "POST" in (route.methods or ())]


def test_every_console_form_without_a_valid_token_is_expired(web: TestClient) -> None:
    sign_in(web)
    forms = console_forms()
    assert len(forms) == 10
    for path in forms:
        for token in ({}, {"csrf_token": "forged"}):
            answer = web.post(path, data={**token, "reason": "Checking"}, follow_redirects=False)
            assert answer.status_code == 403, path
            assert "This form has expired" in answer.text, path


@pytest.mark.parametrize(
    "path",
    [
        "/console/journeys/not-a-journey",
        f"/console/journeys/{uuid.uuid4()}/actions/nothing",
        "/console/assisted-intake/nothing",
    ],
)
def test_a_form_posted_to_a_page_that_does_not_exist_is_not_found(
    web: TestClient, path: str
) -> None:
    sign_in(web)
    assert web.post(path, data={"csrf_token": "forged"}).status_code == 404
