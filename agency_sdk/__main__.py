"""``python -m agency_sdk`` (or ``agency-worker``): run an agency's services on its task queue,
where the orchestrator is not installed. The orchestrator's ``lifeevents agency-worker`` is the
same command."""

import argparse
import asyncio

from agency_sdk.sdk import run_worker
from core.settings import get_settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="agency-worker", description=__doc__)
    parser.add_argument("--task-queue", required=True, help="the agency's task queue")
    parser.add_argument(
        "--module", required=True, help="module holding functions marked with @service"
    )
    args = parser.parse_args(argv)
    # TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and PAYLOAD_KEYS (the keys of this task queue).
    settings = get_settings()
    asyncio.run(
        run_worker(
            settings.effective_temporal_address,
            settings.temporal_namespace,
            args.task_queue,
            args.module,
        )
    )


if __name__ == "__main__":
    main()
