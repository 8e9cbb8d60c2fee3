"""Alembic's environment: runs on the connection core.migrations hands it (there is no
alembic.ini and no URL here), comparing against the SQLModel tables."""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from core import tables  # noqa: F401  (registers the tables on SQLModel.metadata)


def render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """New revisions name SQLAlchemy's types (sa.String, sa.DateTime(timezone=True)), not
    SQLModel's decorators of them: the DDL is the same, and a migration keeps working whatever
    SQLModel's internals become."""
    if (
        kind == "type"
        and isinstance(item, TypeDecorator)
        and type(item).__module__.startswith("sqlmodel")
    ):
        return f"sa.{item.impl_instance!r}"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite alters a table by copying it: batch mode does that for every ALTER.
    render_as_batch=True,
    render_item=render_item,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
