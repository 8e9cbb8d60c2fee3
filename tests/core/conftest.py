"""The floor's unit tests: a real SQLite database in the test's own folder, where one is needed."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel

from core.db import make_engine


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path}/app.db")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()
