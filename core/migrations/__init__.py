"""The app database's schema, changed only by Alembic migrations (``versions/``).

``lifeevents setup`` (and ``lifeevents migrate``) bring a database up to date; the API, the worker
and the other commands refuse a database whose schema is older than their code, or empty. Alembic
is configured here, in code, so that the installed package needs no ``alembic.ini``.
"""

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

# Any constant: PostgreSQL's advisory lock that lets one upgrade run at a time.
_UPGRADE_LOCK = 0x6C69666565

# Where Alembic finds env.py, script.py.mako and versions/: inside this package, installed or not.
SCRIPT_LOCATION = "core:migrations"


class SchemaNotCurrent(RuntimeError):
    """The database's schema is not the one this code needs: run ``lifeevents setup``."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration; env.py runs the migrations on ``connection``."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    # versions/0002_what_it_does.py: files sort in the order they apply.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations have more than one head: merge them"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None when no migration ever ran on it."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``, in one transaction where the database allows it.
    On PostgreSQL, concurrent upgrades (two replicas of a setup job) wait for each other."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK})
        command.upgrade(alembic_config(connection), revision)


def require_current_schema(engine: Engine) -> None:
    """Refuse to run on an empty database or one whose schema is older than this code.

    A database at a revision this code does not know was migrated by newer code: during a
    rolling upgrade the old replicas keep running on it (migrations only add, until every
    replica runs the code that no longer needs what a later migration removes)."""
    found = current_revision(engine)
    head = head_revision()
    if found == head:
        return
    if found is None:
        raise SchemaNotCurrent(
            "the app database has no schema: run `lifeevents setup` (or `lifeevents migrate`)"
        )
    scripts = ScriptDirectory.from_config(alembic_config())
    known = {script.revision for script in scripts.walk_revisions()}
    if found in known:
        raise SchemaNotCurrent(
            f"the app database is at revision {found}, this code needs {head}: "
            "run `lifeevents setup` (or `lifeevents migrate`)"
        )
