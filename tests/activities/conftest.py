"""Activities run against real databases: SQLite and a throwaway PostgreSQL cluster."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from core.db import get_engine
from core.migrations import upgrade
from core.settings import get_settings
from simulated_agencies.seed import seed_demo_data
from tests.support.postgres import PostgresCluster


@pytest.fixture(params=["sqlite", "postgresql"])
def app_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Point the process's settings (and so every activity) at a fresh app database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        url = cluster.new_database(f"activities_{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    upgrade(engine)
    with Session(engine) as session:
        seed_demo_data(session, get_settings())
    yield url
    engine.dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
