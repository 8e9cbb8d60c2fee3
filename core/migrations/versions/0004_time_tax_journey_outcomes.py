"""How each journey ended, without whose it was (time-tax and performance reports)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 00:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "journeyoutcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_ref", sa.String(length=64), nullable=False),
        sa.Column("life_event", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=False),
        sa.Column("seconds_to_outcome", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=10), nullable=True),
        sa.Column("facts_told", sa.Integer(), nullable=False),
        sa.Column("facts_received", sa.Integer(), nullable=False),
        sa.Column("services_reached", sa.Integer(), nullable=False),
        sa.Column("agencies_reached", sa.Integer(), nullable=False),
        sa.Column("contacts_avoided", sa.Integer(), nullable=False),
        sa.Column("documents_not_asked", sa.Integer(), nullable=False),
        sa.Column("minutes_saved", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("journey_ref"),
    )
    with op.batch_alter_table("journeyoutcome", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journeyoutcome_life_event"), ["life_event"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_journeyoutcome_ended_on"), ["ended_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("journeyoutcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journeyoutcome_ended_on"))
        batch_op.drop_index(batch_op.f("ix_journeyoutcome_life_event"))
    op.drop_table("journeyoutcome")
