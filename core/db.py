"""The app database: one engine per process, SQLite by default, PostgreSQL by URL. Its schema
is made and changed by the migrations (core/migrations/), never at a process's start."""

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from core import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from core.settings import get_settings


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # WAL lets many readers share the file: a pool as large as the API's thread pool.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=20,
            max_overflow=40,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # The API and the worker share the file: WAL lets readers and a writer coexist.
            # synchronous=NORMAL: a commit no longer waits for the disk, so the one writer at a
            # time holds the lock for much less. A process crash loses nothing; an OS crash or
            # power cut may lose the last commits (never corrupts) — the embedded Temporal
            # store makes the same trade; production runs on PostgreSQL (README: durability).
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.effective_database_url)


def get_session() -> Iterator[Session]:
    with Session(get_engine()) as session:
        yield session
