"""The web pages in the test's own process (FastAPI's TestClient over HTTPS, so that Secure
cookies travel), on a SQLite database with the demo's agencies and services, connected to the
suite's Temporal dev server; journeys start on a task queue no worker polls.

``issuer`` is a stand-in OpenID Connect issuer (tests/support/oidc.py); ``sign_in_env``
configures the pages' sign-in with it, and must come before ``web`` among a test's fixtures."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from core.db import get_engine
from core.migrations import upgrade
from core.settings import get_settings
from server.app import create_app
from simulated_agencies.seed import seed_demo_data
from tests.support.oidc import Issuer


def prepare_web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, temporal_address: str) -> None:
    """The pages' settings and a database with the demo's agencies, in a fresh folder."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TEMPORAL_ADDRESS", temporal_address)
    monkeypatch.setenv("TASK_QUEUE", f"nobody-{uuid.uuid4().hex}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    upgrade(get_engine())
    with Session(get_engine()) as session:
        seed_demo_data(session, get_settings())


def forget_web() -> None:
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def web(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, temporal_env: WorkflowEnvironment
) -> Iterator[TestClient]:
    prepare_web(tmp_path, monkeypatch, temporal_env.client.service_client.config.target_host)
    with TestClient(create_app(), base_url="https://testserver") as client:
        yield client
    forget_web()


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    issuer = Issuer().start()
    yield issuer
    issuer.stop()


@pytest.fixture
def sign_in_env(issuer: Issuer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Issuer]:
    """Sign-in configured with the issuer, which signs in "alice" with no role, as is."""
    monkeypatch.setenv("OIDC_ISSUER", issuer.url)
    monkeypatch.setenv("OIDC_AUDIENCE", "lifeevents")
    monkeypatch.setenv("OIDC_CLIENT_ID", issuer.client_id)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://testserver")
    get_settings.cache_clear()
    issuer.signs_in, issuer.roles, issuer.id_token_claims = "alice", [], {}
    yield issuer
    issuer.signs_in, issuer.roles, issuer.id_token_claims = "alice", [], {}
    issuer.client_secret = None
