"""The same stack with its app database on PostgreSQL: one URL is all it takes."""

from collections.abc import Iterator

import pytest
from sqlmodel import Session, create_engine, select
from temporalio.testing import WorkflowEnvironment

from core.tables import NotificationRecord, PaymentLedgerEntry
from tests.conftest import POSTGRES_NAMESPACE
from tests.support.postgres import PostgresCluster
from tests.support.smtp import SmtpServer
from tests.support.stack import Stack, birth_intake


@pytest.fixture(scope="module")
def postgres_stack(
    temporal_env: WorkflowEnvironment,
    smtp: SmtpServer,
    postgres: PostgresCluster,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    stack = Stack(
        temporal_address=temporal_env.client.service_client.config.target_host,
        smtp_port=smtp.port,
        folder=tmp_path_factory.mktemp("pg-stack"),
        database_url=postgres.url,
        namespace=POSTGRES_NAMESPACE,
    ).start()
    yield stack
    stack.stop()


def test_a_birth_journey_completes_with_the_app_database_on_postgresql(
    postgres_stack: Stack, postgres: PostgresCluster
) -> None:
    journey_id = postgres_stack.submit(birth_intake(email="pg@example.org"))
    status = postgres_stack.wait_until_done(journey_id)
    assert status["state"] == "completed"
    assert not (postgres_stack.folder / "app.db").exists()
    with Session(create_engine(postgres.url)) as session:
        payments = session.exec(
            select(PaymentLedgerEntry).where(PaymentLedgerEntry.journey_id == journey_id)
        ).all()
        notes = session.exec(
            select(NotificationRecord).where(NotificationRecord.journey_id == journey_id)
        ).all()
    assert len(payments) == 1 and len(notes) == 5  # one per service, and the summary
