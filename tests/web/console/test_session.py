"""The console's session: a token sign-in opens the operator session every sign-in shares, and
the console reads nothing else."""

from starlette.requests import Request
from starlette.responses import Response

from core.settings import get_settings
from web import sessions
from web.console.session import sign_in_url, start_operator_session


def _request_with(response: Response) -> Request:
    cookie = response.headers["set-cookie"].split(";")[0]
    return Request({"type": "http", "headers": [(b"cookie", cookie.encode())], "method": "GET"})


def test_a_token_sign_in_opens_the_shared_operator_session() -> None:
    settings = get_settings()
    response = Response()
    start_operator_session(response, settings, "alice")
    assert response.headers["set-cookie"].startswith(f"{sessions.OPERATOR_COOKIE}=")
    session = sessions.operator_session(_request_with(response), settings)
    assert session is not None and session.actor == "operator:alice"


def test_a_session_signed_under_another_secret_is_none() -> None:
    settings = get_settings()
    response = Response()
    start_operator_session(response, settings, "alice")
    other = settings.model_copy(update={"app_secret": "another-secret-of-enough-length-0123"})
    assert sessions.operator_session(_request_with(response), other) is None


def test_sign_in_keeps_where_the_operator_was_going() -> None:
    assert sign_in_url("/console/journeys?state=failed&agency=health") == (
        "/console/sign-in?next=/console/journeys%3Fstate%3Dfailed%26agency%3Dhealth"
    )
