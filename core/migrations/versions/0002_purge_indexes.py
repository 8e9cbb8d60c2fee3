"""Index the columns the daily purge filters by age

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 21:40:48.962413
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consentrecord", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consentrecord_recorded_at"), ["recorded_at"], unique=False
        )

    with op.batch_alter_table("intakerecord", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intakerecord_created_at"), ["created_at"], unique=False
        )

    with op.batch_alter_table("paymentledgerentry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_paymentledgerentry_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("paymentledgerentry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paymentledgerentry_created_at"))

    with op.batch_alter_table("intakerecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intakerecord_created_at"))

    with op.batch_alter_table("consentrecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consentrecord_recorded_at"))
