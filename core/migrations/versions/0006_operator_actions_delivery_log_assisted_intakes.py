"""The delivery log (every attempt to submit to an agency, and its later decisions), and
assisted intakes (who attested the person's consent, and how)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deliveryattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("journey_id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=100), nullable=False),
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("elapsed_ms", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("deliveryattempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deliveryattempt_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_deliveryattempt_journey_id"), ["journey_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deliveryattempt_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deliveryattempt_service_id"), ["service_id"], unique=False
        )

    op.create_table(
        "assistedintake",
        sa.Column("journey_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("attested_by", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("evidence_reference", sa.String(length=100), nullable=True),
        sa.Column("attested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("journey_id"),
    )
    with op.batch_alter_table("assistedintake", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assistedintake_attested_at"), ["attested_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assistedintake", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistedintake_attested_at"))
    op.drop_table("assistedintake")
    with op.batch_alter_table("deliveryattempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveryattempt_service_id"))
        batch_op.drop_index(batch_op.f("ix_deliveryattempt_agency_id"))
        batch_op.drop_index(batch_op.f("ix_deliveryattempt_journey_id"))
        batch_op.drop_index(batch_op.f("ix_deliveryattempt_at"))
    op.drop_table("deliveryattempt")
