"""Journey tokens expire and can be revoked; anyone may ask for a fresh one, which goes only to
the journey's own contact address, once per interval; operators act under their names."""

import re
import time
import uuid
from typing import Any

import httpx
from sqlmodel import Session, create_engine, select

from core.ids import journey_token, journey_token_claims
from core.settings import get_settings
from core.tables import AuditEntry
from tests.support.smtp import SmtpServer, text_of
from tests.support.stack import OPERATOR_NAME, Stack, birth_intake

OPERATOR = f"operator:{OPERATOR_NAME}"


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def get(stack: Stack, journey_id: str, token: str) -> httpx.Response:
    return httpx.get(f"{stack.api_url}/v1/journeys/{journey_id}", headers=bearer(token), timeout=30)


def ask_link(stack: Stack, journey_id: str, **body: Any) -> httpx.Response:
    return httpx.post(f"{stack.api_url}/v1/journeys/{journey_id}/link", json=body, timeout=30)


def links(smtp: SmtpServer, to: str) -> list[Any]:
    """The fresh links sent to ``to`` (every message carries a link; these show the code)."""
    subjects = ("your new access code", "votre nouveau code d'accès")
    return [m for m in smtp.inbox.messages(to) if m["Subject"].endswith(subjects)]


def wait_for_links(smtp: SmtpServer, to: str, count: int, timeout: float = 30) -> list[Any]:
    deadline = time.monotonic() + timeout
    while len(links(smtp, to)) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return links(smtp, to)


def access_log_actions(stack: Stack, journey_id: str) -> list[str]:
    with stack.citizen(journey_id) as client:
        return [
            entry["what"] for entry in client.get(f"/v1/journeys/{journey_id}/access-log").json()
        ]


def token_in(message: Any) -> str:
    found = re.search(r"(jt_[\w.-]+)", text_of(message))
    assert found is not None, text_of(message)
    return found.group(1)


def test_an_expired_token_is_refused_with_401_saying_so(stack: Stack) -> None:
    journey_id = stack.submit(birth_intake(email="expired-token@example.org"))
    now = int(time.time())
    claims = journey_token_claims(get_settings().app_secret, stack.tokens[journey_id])
    assert claims is not None and claims.journey_id == journey_id
    assert abs(claims.expires_at - (now + 90 * 86_400)) < 120  # JOURNEY_TOKEN_TTL_DAYS default
    assert get(stack, journey_id, stack.tokens[journey_id]).status_code == 200

    expired = journey_token(
        get_settings().app_secret,
        journey_id,
        issued_at_ms=(now - 100 * 86_400) * 1000,
        expires_at=now - 10 * 86_400,
    )
    response = get(stack, journey_id, expired)
    assert response.status_code == 401, response.text
    assert "expired" in response.json()["detail"] and "/link" in response.json()["detail"]
    # Another journey's token, expired or not, still tells nothing about this one.
    other = stack.submit(birth_intake(email="expired-token-other@example.org"))
    assert get(stack, other, expired).status_code == 404


def test_a_revoked_token_is_refused_while_a_fresh_one_works(stack: Stack, smtp: SmtpServer) -> None:
    email = "revoke-me@example.org"
    journey_id = stack.submit(birth_intake(email=email))
    old = stack.tokens[journey_id]
    revoke = f"{stack.api_url}/v1/journeys/{journey_id}/tokens/revoke"
    assert httpx.post(revoke, headers=bearer(old), timeout=30).status_code == 204
    response = get(stack, journey_id, old)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    assert httpx.post(revoke, headers=bearer(old), timeout=30).status_code == 401

    assert ask_link(stack, journey_id).status_code == 202
    [message] = wait_for_links(smtp, email, 1)
    fresh = token_in(message)
    assert fresh != old
    assert get(stack, journey_id, fresh).status_code == 200
    assert get(stack, journey_id, old).status_code == 401
    with httpx.Client(base_url=stack.api_url, headers=bearer(fresh), timeout=30) as client:
        log = client.get(f"/v1/journeys/{journey_id}/access-log").json()
    assert {"journey_tokens_revoked", "journey_link_sent"} <= {e["what"] for e in log}


def test_an_operator_revokes_with_a_reason_and_is_named(stack: Stack) -> None:
    journey_id = stack.submit(birth_intake(email="operator-revokes@example.org"))
    url = f"/v1/journeys/{journey_id}/tokens/revoke"
    with stack.operator() as operator:
        assert operator.post(url).status_code == 403  # a reason is needed
        response = operator.post(url, headers={"X-Access-Reason": "ticket 7: lost phone"})
        assert response.status_code == 204
        log = operator.get(
            f"/v1/journeys/{journey_id}/access-log", headers={"X-Access-Reason": "ticket 7"}
        ).json()
    assert get(stack, journey_id, stack.tokens[journey_id]).status_code == 401
    revoked = [e for e in log if e["what"] == "journey_tokens_revoked"]
    assert revoked == [
        {**revoked[0], "who": OPERATOR, "detail": {"reason": "ticket 7: lost phone"}}
    ]


def test_a_fresh_link_goes_to_the_journeys_own_address_once_per_interval(
    stack: Stack, smtp: SmtpServer
) -> None:
    email = "fresh-link@example.org"
    journey_id = stack.submit(birth_intake(email=email, language="fr"))
    known = ask_link(stack, journey_id, email="attacker@example.org", to="attacker@example.org")
    unknown = ask_link(stack, str(uuid.uuid4()))
    not_an_id = ask_link(stack, "not-a-journey")
    assert known.status_code == unknown.status_code == not_an_id.status_code == 202
    assert known.json() == unknown.json() == not_an_id.json()

    [message] = wait_for_links(smtp, email, 1)
    assert message["To"] == email
    assert "nouveau code d'accès" in text_of(message)
    assert get(stack, journey_id, token_in(message)).status_code == 200
    assert smtp.inbox.messages("attacker@example.org") == []
    assert message["Subject"] == "Votre dossier : votre nouveau code d'accès"

    # Within the interval: the same answer, and nothing more is sent.
    again = ask_link(stack, journey_id)
    assert again.status_code == 202 and again.json() == known.json()
    # The withheld request is done once the audit trail records it; then count the mail.
    deadline = time.monotonic() + 30
    while "journey_link_withheld" not in access_log_actions(stack, journey_id):
        assert time.monotonic() < deadline, "the second request was never handled"
        time.sleep(0.1)
    assert len(links(smtp, email)) == 1


def test_the_access_log_and_the_audit_trail_name_the_operator(stack: Stack) -> None:
    journey_id = stack.submit(birth_intake(email="named-operator@example.org"))
    agency_id = f"named-{uuid.uuid4().hex[:8]}"
    with stack.operator() as operator:
        response = operator.get(
            f"/v1/journeys/{journey_id}", headers={"X-Access-Reason": "ticket 42"}
        )
        assert response.status_code == 200
        created = operator.post("/v1/agencies", json={"agency_id": agency_id, "name": "Named"})
        assert created.status_code == 201, created.text
        key = created.json()["api_key"]
        keys = operator.get(f"/v1/agencies/{agency_id}/keys").json()
        assert operator.delete(f"/v1/agencies/{agency_id}/keys/{keys[0]['id']}").status_code == 204
    assert (
        httpx.get(
            f"{stack.api_url}/v1/agencies/{agency_id}/keys", headers=bearer(key), timeout=30
        ).status_code
        == 401
    )

    with stack.citizen(journey_id) as citizen:
        log = citizen.get(f"/v1/journeys/{journey_id}/access-log").json()
    accessed = [e for e in log if e["what"] == "journey_accessed"]
    assert [(e["who"], e["detail"]) for e in accessed] == [(OPERATOR, {"reason": "ticket 42"})]

    engine = create_engine(f"sqlite:///{stack.folder / 'app.db'}")
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry)).all()
    engine.dispose()
    actors = {(e.action, e.agency_id or e.journey_id): e.actor for e in entries}
    assert actors[("journey_accessed", journey_id)] == OPERATOR
    assert actors[("agency_created", agency_id)] == OPERATOR
    assert actors[("api_key_revoked", agency_id)] == OPERATOR
    assert all(e.actor != "operator" for e in entries)
