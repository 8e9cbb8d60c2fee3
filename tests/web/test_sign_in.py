"""Signing in on the pages against a stand-in issuer over real HTTP (tests/support/oidc.py):
the authorization code flow with PKCE, every refusal (state, verifier, nonce, audience, issuer,
expiry, signature, no operator role), no open redirect, sign-out, and a signed-in person's
journeys: theirs to list and open, nobody else's."""

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.requests import Request

from core.db import get_engine
from core.settings import get_settings
from core.tables import AuditEntry
from tests.support.oidc import Issuer
from tests.web.conftest import issuer, sign_in_env, web
from tests.web.forms import hidden_fields
from tests.web.test_pages import _through_to_check
from web.sessions import CITIZEN_COOKIE, OPERATOR_COOKIE, operator_session

__all__ = ["issuer", "sign_in_env", "web"]


def _to_issuer(web: TestClient, **params: str) -> httpx.Response:
    """Start a sign-in, follow the browser to the issuer; its answer (a redirect back)."""
    started = web.get("/sign-in", params=params, follow_redirects=False)
    assert started.status_code == 303, started.text
    return httpx.get(started.headers["location"], follow_redirects=False)


def _back(web: TestClient, at_issuer: httpx.Response, **replace: str) -> httpx.Response:
    """The browser back at our callback, with what the issuer said (some of it replaced)."""
    back = urlsplit(at_issuer.headers["location"])
    assert back.path == "/sign-in/callback"
    query = {name: values[0] for name, values in parse_qs(back.query).items()}
    answer: httpx.Response = web.get(back.path, params={**query, **replace}, follow_redirects=False)
    return answer


def sign_in(web: TestClient, **params: str) -> httpx.Response:
    return _back(web, _to_issuer(web, **params))


def test_the_authorization_request_carries_pkce_state_and_nonce(
    sign_in_env: Issuer, web: TestClient
) -> None:
    started = web.get("/sign-in", follow_redirects=False)
    location = urlsplit(started.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{sign_in_env.url}/authorize"
    query = parse_qs(location.query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [sign_in_env.client_id]
    assert query["redirect_uri"] == ["https://testserver/sign-in/callback"]
    assert query["code_challenge_method"] == ["S256"]
    assert "openid" in query["scope"][0].split()
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    cookie = started.headers["set-cookie"]
    assert "Path=/sign-in" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    # Each sign-in its own state, nonce and verifier.
    again = parse_qs(
        urlsplit(web.get("/sign-in", follow_redirects=False).headers["location"]).query
    )
    assert again["state"] != query["state"] and again["nonce"] != query["nonce"]
    assert again["code_challenge"] != query["code_challenge"]


def test_a_citizen_signs_in_and_sees_their_journeys(sign_in_env: Issuer, web: TestClient) -> None:
    assert "Sign in" in web.get("/").text
    back = sign_in(web)
    assert back.status_code == 303 and back.headers["location"] == "/your-journeys"
    assert web.cookies.get(CITIZEN_COOKIE)
    page = web.get("/your-journeys")
    assert page.status_code == 200
    assert "You have not told us about a life event while signed in yet." in page.text
    assert 'href="/your-journeys"' in web.get("/").text
    # The pending sign-in is spent: its state does not sign in twice.
    assert "sign-in" not in web.cookies


def test_the_journeys_page_asks_to_sign_in_first(sign_in_env: Issuer, web: TestClient) -> None:
    refused = web.get("/your-journeys", follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"] == "/sign-in?return_to=/your-journeys"


@pytest.mark.parametrize("state", ["another-state-" + "x" * 30, "é" * 43, ""])
def test_another_state_is_refused(sign_in_env: Issuer, web: TestClient, state: str) -> None:
    back = _back(web, _to_issuer(web), state=state)
    assert back.status_code == 400
    assert "You have not been signed in" in back.text
    assert CITIZEN_COOKIE not in web.cookies


def test_a_callback_without_this_browsers_pending_sign_in_is_refused(
    sign_in_env: Issuer, web: TestClient
) -> None:
    """Login CSRF: an attacker's code and state, sent to someone else's browser."""
    at_issuer = _to_issuer(web)
    web.cookies.clear()
    assert _back(web, at_issuer).status_code == 400
    assert CITIZEN_COOKIE not in web.cookies


def test_the_issuer_refuses_another_verifier_and_the_code_is_spent(
    sign_in_env: Issuer, web: TestClient
) -> None:
    at_issuer = _to_issuer(web)
    code = parse_qs(urlsplit(at_issuer.headers["location"]).query)["code"][0]
    stolen = httpx.post(
        f"{sign_in_env.url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://testserver/sign-in/callback",
            "code_verifier": "a-verifier-that-is-not-the-one-of-this-sign-in-0123456789",
            "client_id": sign_in_env.client_id,
        },
    )
    assert stolen.status_code == 400 and stolen.json() == {"error": "invalid_grant"}
    assert _back(web, at_issuer).status_code == 401
    assert CITIZEN_COOKIE not in web.cookies


def test_a_person_who_declines_at_the_issuer_is_not_signed_in(
    sign_in_env: Issuer, web: TestClient
) -> None:
    sign_in_env.signs_in = None
    back = sign_in(web)
    assert back.status_code == 401 and CITIZEN_COOKIE not in web.cookies


@pytest.mark.parametrize(
    "claims",
    [
        {"nonce": "not-the-nonce-of-this-sign-in"},
        {"aud": "another-client"},
        {"iss": "https://another-issuer.example"},
        {"exp": int(time.time()) - 600},
    ],
    ids=["nonce", "audience", "issuer", "expired"],
)
def test_an_id_token_that_does_not_check_is_refused(
    sign_in_env: Issuer, web: TestClient, claims: dict[str, object]
) -> None:
    sign_in_env.id_token_claims = claims
    back = sign_in(web)
    assert back.status_code == 401, back.text
    assert CITIZEN_COOKIE not in web.cookies


def test_an_id_token_signed_with_another_key_is_refused(
    sign_in_env: Issuer, web: TestClient
) -> None:
    own_key = sign_in_env.key
    sign_in_env.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    try:
        # The JWKS still publishes the issuer's own key (its app was built with it).
        assert sign_in(web).status_code == 401
    finally:
        sign_in_env.key = own_key
    assert CITIZEN_COOKIE not in web.cookies


@pytest.mark.parametrize(
    "return_to",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/\t/evil.example",  # browsers drop the tab: "//evil.example"
        "evil.example",
        "javascript:alert(1)",
    ],
)
def test_return_to_never_leaves_the_site(
    sign_in_env: Issuer, web: TestClient, return_to: str
) -> None:
    started = web.get("/sign-in", params={"return_to": return_to}, follow_redirects=False)
    at_issuer = httpx.get(started.headers["location"], follow_redirects=False)
    back = _back(web, at_issuer)
    assert back.status_code == 303 and back.headers["location"] == "/your-journeys"


def test_return_to_a_path_of_the_site_is_kept(sign_in_env: Issuer, web: TestClient) -> None:
    back = sign_in(web, return_to="/life-events/birth/questions")
    assert back.headers["location"] == "/life-events/birth/questions"
    # Not back into the sign-in (the "Sign in" link of its own error page names it).
    assert sign_in(web, return_to="/sign-in/callback").headers["location"] == "/your-journeys"


def test_a_confidential_client_authenticates_at_the_token_endpoint(
    sign_in_env: Issuer, web: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in_env.client_secret = "the secret/with+form&characters"
    monkeypatch.setenv("OIDC_CLIENT_SECRET", sign_in_env.client_secret)
    get_settings.cache_clear()
    assert sign_in(web).status_code == 303 and web.cookies.get(CITIZEN_COOKIE)
    web.cookies.clear()
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "not-the-secret")
    get_settings.cache_clear()
    assert sign_in(web).status_code == 401 and CITIZEN_COOKIE not in web.cookies


def _request_with(cookies: dict[str, str]) -> Request:
    header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return Request({"type": "http", "headers": [(b"cookie", header.encode())], "method": "GET"})


def test_an_operator_signs_in_with_the_operator_role_only(
    sign_in_env: Issuer, web: TestClient
) -> None:
    refused = sign_in(web, purpose="operator")
    assert refused.status_code == 403 and OPERATOR_COOKIE not in web.cookies
    assert CITIZEN_COOKIE not in web.cookies  # nor signed in as a citizen instead

    sign_in_env.signs_in, sign_in_env.roles = "ops.ana", ["operator"]
    back = sign_in(web, purpose="operator", return_to="/console/incidents")
    assert back.status_code == 303 and back.headers["location"] == "/console/incidents"
    session = operator_session(
        _request_with({OPERATOR_COOKIE: web.cookies[OPERATOR_COOKIE]}), get_settings()
    )
    assert session is not None and session.actor == "operator:ops.ana"
    with Session(get_engine()) as db:
        entries = db.exec(select(AuditEntry).where(AuditEntry.action == "operator_signed_in"))
        assert [entry.actor for entry in entries] == ["operator:ops.ana"]
    assert sign_in(web, purpose="operator").headers["location"] == "/console"


def test_signing_out_needs_the_forms_token_and_ends_the_session(
    sign_in_env: Issuer, web: TestClient
) -> None:
    sign_in(web)
    page = web.get("/your-journeys")
    assert web.post("/sign-out", data={"csrf_token": "forged"}).status_code == 403
    assert web.get("/your-journeys", follow_redirects=False).status_code == 200
    out = web.post("/sign-out", data=hidden_fields(page), follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/"
    assert CITIZEN_COOKIE not in web.cookies
    assert web.get("/your-journeys", follow_redirects=False).status_code == 303


def test_a_journey_told_while_signed_in_is_theirs_alone(
    sign_in_env: Issuer, web: TestClient
) -> None:
    sign_in(web)
    check = _through_to_check(web)
    sent = web.post("/life-events/birth/check", data=hidden_fields(check), follow_redirects=False)
    assert sent.status_code == 303
    journey_id = sent.headers["location"].split("/")[2]
    listed = web.get("/your-journeys")
    assert f'href="/journeys/{journey_id}"' in listed.text and "Birth of a child" in listed.text
    # Without the journey's token (another device), the owner signed in opens it.
    web.cookies.delete("journey", domain="testserver.local", path=f"/journeys/{journey_id}")
    assert "journey" not in web.cookies
    assert web.get(f"/journeys/{journey_id}").status_code == 200

    sign_in_env.signs_in = "bob"
    sign_in(web)
    assert web.get(f"/journeys/{journey_id}").status_code == 404
    assert f"/journeys/{journey_id}" not in web.get("/your-journeys").text


def test_without_a_client_id_there_is_no_sign_in(web: TestClient) -> None:
    assert "Sign in" not in web.get("/").text
    assert web.get("/sign-in", follow_redirects=False).status_code == 404
    assert web.get("/your-journeys", follow_redirects=False).status_code == 404
    assert web.get("/sign-in/callback?code=x&state=y").status_code == 404
