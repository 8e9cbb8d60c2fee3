"""The migrations make the schema the models describe, from nothing and from the previous
revision, on SQLite and on PostgreSQL; processes refuse a database that is behind."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, SQLModel

from core.db import make_engine
from core.migrations import (
    SchemaNotCurrent,
    current_revision,
    head_revision,
    require_current_schema,
    upgrade,
)
from core.tables import IntakeRecord
from tests.support.postgres import PostgresCluster

FIRST = "0001"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        url = cluster.new_database(f"migrations_{uuid.uuid4().hex[:12]}")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def differences(engine: Engine) -> list[object]:
    """What Alembic's autogenerate would write to bring the database to the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        found: list[object] = compare_metadata(context, SQLModel.metadata)
        return found


def test_an_empty_database_is_brought_to_the_models(empty_database: Engine) -> None:
    assert current_revision(empty_database) is None
    upgrade(empty_database)
    assert current_revision(empty_database) == head_revision()
    assert differences(empty_database) == []
    upgrade(empty_database)  # again: nothing to do
    assert current_revision(empty_database) == head_revision()


def test_a_database_at_the_first_revision_is_upgraded_keeping_its_rows(
    empty_database: Engine,
) -> None:
    upgrade(empty_database, FIRST)
    assert head_revision() != FIRST, "this test needs a revision after the first"
    assert differences(empty_database) != []  # the first revision lacks what came later
    with Session(empty_database) as session:
        session.add(
            IntakeRecord(
                idempotency_key="k1",
                request_hash="h",
                journey_id="j1",
                life_event="birth",
                created_at=datetime(2026, 1, 2, tzinfo=UTC),
            )
        )
        session.commit()
    upgrade(empty_database)
    assert current_revision(empty_database) == head_revision()
    assert differences(empty_database) == []
    indexes = {index["name"] for index in inspect(empty_database).get_indexes("intakerecord")}
    assert "ix_intakerecord_created_at" in indexes
    with Session(empty_database) as session:
        kept = session.get(IntakeRecord, "k1")
        assert kept is not None and kept.journey_id == "j1"


def test_a_process_refuses_a_database_that_is_empty_or_behind(empty_database: Engine) -> None:
    with pytest.raises(SchemaNotCurrent, match="no schema: run `lifeevents setup`"):
        require_current_schema(empty_database)
    upgrade(empty_database, FIRST)
    with pytest.raises(SchemaNotCurrent, match=f"at revision {FIRST}, this code needs"):
        require_current_schema(empty_database)
    upgrade(empty_database)
    require_current_schema(empty_database)


def test_a_database_migrated_by_newer_code_is_accepted(empty_database: Engine) -> None:
    """During a rolling upgrade the old replicas keep running on the new schema."""
    upgrade(empty_database)
    with empty_database.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'from-newer-code'"))
    require_current_schema(empty_database)
