"""Operators' saved views of the console's journey search

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "savedview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("operator", "name"),
    )
    with op.batch_alter_table("savedview", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_savedview_operator"), ["operator"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("savedview", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_savedview_operator"))
    op.drop_table("savedview")
