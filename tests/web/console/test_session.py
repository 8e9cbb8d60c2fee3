"""The operator's session cookie: what one signed in carries back, and nothing else."""

import time

from starlette.responses import Response

from lifeevents.settings import get_settings
from web.console.session import (
    SESSION_COOKIE,
    read_operator_session,
    sign_in_url,
    start_operator_session,
)


def _cookie(response: Response) -> str:
    header = response.headers["set-cookie"]
    assert header.startswith(f"{SESSION_COOKIE}=")
    return header.split(";")[0].split("=", 1)[1]


def test_a_session_carries_the_operators_name_until_it_expires() -> None:
    settings = get_settings()
    response = Response()
    start_operator_session(response, settings, "alice")
    session = read_operator_session(settings, _cookie(response))
    assert session is not None and session.actor == "operator:alice"
    assert session.expires_at > time.time() + 3600
    expired = Response()
    start_operator_session(expired, settings, "alice", seconds=-1)
    assert read_operator_session(settings, _cookie(expired)) is None


def test_a_session_altered_or_signed_under_another_secret_is_none() -> None:
    settings = get_settings()
    response = Response()
    start_operator_session(response, settings, "alice")
    cookie = _cookie(response)
    payload, signature = cookie.split(".")
    other = settings.model_copy(update={"app_secret": "another-secret-of-enough-length-0123"})
    for forged in (f"{payload}x.{signature}", f"{payload}.{signature[:-2]}AA", "x", "", "a.b.c"):
        assert read_operator_session(settings, forged) is None
    assert read_operator_session(other, cookie) is None


def test_sign_in_keeps_where_the_operator_was_going() -> None:
    assert sign_in_url("/console/journeys?state=failed&agency=health") == (
        "/console/sign-in?next=/console/journeys%3Fstate%3Dfailed%26agency%3Dhealth"
    )
