"""The schema as it stood before migrations: every table

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 21:40:29.947686
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency",
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("agency_id"),
    )
    op.create_table(
        "agencyserviceversion",
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("registration", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("service_id", "version"),
    )
    op.create_table(
        "auditentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("journey_id", sa.String(), nullable=True),
        sa.Column("agency_id", sa.String(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("event_key", sa.String(length=300), nullable=True),
        sa.Column("prev_hash", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_key"),
    )
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditentry_journey_id"), ["journey_id"], unique=False)

    op.create_table(
        "audithead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("mac", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "callbackreceipt",
        sa.Column("webhook_id_hash", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("step_workflow", sa.String(length=300), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("webhook_id_hash"),
    )
    op.create_table(
        "consentrecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.String(), nullable=False),
        sa.Column("service_id", sa.String(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("purpose", sa.String(), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consentrecord", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consentrecord_journey_id"), ["journey_id"], unique=False
        )

    op.create_table(
        "identitycheckfailure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.String(length=100), nullable=False),
        sa.Column("national_id_hash", sa.String(length=64), nullable=False),
        sa.Column("client_ref", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("journey_id"),
    )
    with op.batch_alter_table("identitycheckfailure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identitycheckfailure_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_identitycheckfailure_client_ref"), ["client_ref"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_identitycheckfailure_national_id_hash"),
            ["national_id_hash"],
            unique=False,
        )

    op.create_table(
        "intakerecord",
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(), nullable=False),
        sa.Column("journey_id", sa.String(), nullable=False),
        sa.Column("life_event", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("idempotency_key"),
    )
    with op.batch_alter_table("intakerecord", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intakerecord_journey_id"), ["journey_id"], unique=False
        )

    op.create_table(
        "journeylinkrequest",
        sa.Column("journey_id", sa.String(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("journey_id"),
    )
    op.create_table(
        "journeyowner",
        sa.Column("journey_id", sa.String(), nullable=False),
        sa.Column("subject_hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("journey_id"),
    )
    with op.batch_alter_table("journeyowner", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journeyowner_subject_hash"), ["subject_hash"], unique=False
        )

    op.create_table(
        "journeytokenrevocation",
        sa.Column("journey_id", sa.String(), nullable=False),
        sa.Column("revoked_before", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("journey_id"),
    )
    op.create_table(
        "notificationrecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=300), nullable=False),
        sa.Column("journey_id", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("notificationrecord", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notificationrecord_journey_id"), ["journey_id"], unique=False
        )

    op.create_table(
        "paymentledgerentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=300), nullable=False),
        sa.Column("journey_id", sa.String(), nullable=False),
        sa.Column("service_id", sa.String(), nullable=False),
        sa.Column("payee_national_id", sa.String(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("paymentledgerentry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_paymentledgerentry_journey_id"), ["journey_id"], unique=False
        )

    op.create_table(
        "populationrecord",
        sa.Column("national_id", sa.String(length=32), nullable=False),
        sa.Column("given_name", sa.String(), nullable=False),
        sa.Column("family_name", sa.String(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("national_id"),
    )
    op.create_table(
        "registrygeneration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "retentiontotal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("table_name", sa.String(), nullable=False),
        sa.Column("service_id", sa.String(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "agencykey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("key_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.agency_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("agencykey", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agencykey_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "agencysecret",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("secret", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.agency_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agencysecret", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agencysecret_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "agencyservice",
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("registration", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.agency_id"],
        ),
        sa.PrimaryKeyConstraint("service_id"),
    )
    with op.batch_alter_table("agencyservice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agencyservice_agency_id"), ["agency_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agencyservice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agencyservice_agency_id"))

    op.drop_table("agencyservice")
    with op.batch_alter_table("agencysecret", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agencysecret_agency_id"))

    op.drop_table("agencysecret")
    with op.batch_alter_table("agencykey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agencykey_agency_id"))

    op.drop_table("agencykey")
    op.drop_table("retentiontotal")
    op.drop_table("registrygeneration")
    op.drop_table("populationrecord")
    with op.batch_alter_table("paymentledgerentry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paymentledgerentry_journey_id"))

    op.drop_table("paymentledgerentry")
    with op.batch_alter_table("notificationrecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notificationrecord_journey_id"))

    op.drop_table("notificationrecord")
    op.drop_table("journeytokenrevocation")
    with op.batch_alter_table("journeyowner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journeyowner_subject_hash"))

    op.drop_table("journeyowner")
    op.drop_table("journeylinkrequest")
    with op.batch_alter_table("intakerecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intakerecord_journey_id"))

    op.drop_table("intakerecord")
    with op.batch_alter_table("identitycheckfailure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identitycheckfailure_national_id_hash"))
        batch_op.drop_index(batch_op.f("ix_identitycheckfailure_client_ref"))
        batch_op.drop_index(batch_op.f("ix_identitycheckfailure_at"))

    op.drop_table("identitycheckfailure")
    with op.batch_alter_table("consentrecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consentrecord_journey_id"))

    op.drop_table("consentrecord")
    op.drop_table("callbackreceipt")
    op.drop_table("audithead")
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditentry_journey_id"))

    op.drop_table("auditentry")
    op.drop_table("agencyserviceversion")
    op.drop_table("agency")
