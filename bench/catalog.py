"""How the anonymous catalog scales with registrations: seeds N agencies × S services into a
scratch SQLite database, then times catalog reads through the API in this process (no Temporal
needed) and counts their SQL statements.

    .venv/bin/python bench/catalog.py --agencies 50 --services 50 --reads 50

Prints, per read kind, p50 / p99 / max in ms and the statements per request; asserts nothing.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agencies", type=int, default=50)
    parser.add_argument("--services", type=int, default=50, help="per agency")
    parser.add_argument("--reads", type=int, default=50, help="reads of each kind")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-catalog-"))
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'app.db'}",
            "DATA_DIR": str(folder),
            "ENVIRONMENT": "development",
            "MAX_SERVICES_PER_AGENCY": str(max(args.services, 1)),
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from fastapi.testclient import TestClient
    from sqlalchemy import event
    from sqlmodel import Session

    from server.app import create_app
    from core.db import get_engine
    from core.migrations import upgrade
    from core.registry import (
        AgencyCreate,
        ServiceRegistration,
        create_agency,
        upsert_service,
    )

    engine = get_engine()
    upgrade(engine)
    started = time.perf_counter()
    with Session(engine) as session:
        for a in range(args.agencies):
            create_agency(session=session, agency=AgencyCreate(agency_id=f"a{a}", name=f"A {a}"))
            for s in range(args.services):
                document: dict[str, Any] = {
                    "service_id": f"a{a}.s{s}",
                    "title": {"en": f"Service {s}", "fr": f"Service {s}"},
                    "life_events": ["birth", "death"] if s % 2 else ["birth"],
                    "fields": ["child.given_name"] if s % 2 == 0 else [],
                    "delivery": {"mode": "webhook", "url": "https://93.184.215.14/notices"},
                }
                upsert_service(
                    session=session,
                    agency_id=f"a{a}",
                    registration=ServiceRegistration.model_validate(document),
                )
    seeded = time.perf_counter() - started
    total = args.agencies * args.services
    print(f"seeded {total} registrations ({args.agencies} agencies) in {seeded:.1f} s")

    client = TestClient(create_app())  # no lifespan: the catalog needs no Temporal
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def timed(path: str) -> tuple[list[float], float, int]:
        times, counts = [], []
        first = time.perf_counter()
        client.get(path)  # the first read after a change parses the registrations
        cold = (time.perf_counter() - first) * 1000
        for _ in range(args.reads):
            statements.clear()
            begin = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - begin) * 1000)
            counts.append(len(statements))
            assert response.status_code == 200, response.text
        return times, cold, round(statistics.mean(counts))

    print(f"{'read':32} {'cold ms':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'stmts':>6}")
    for path in ("/v1/life-events", "/v1/life-events/birth", "/v1/life-events/death"):
        times, cold, count = timed(path)
        print(
            f"GET {path:28} {cold:8.1f} {_percentile(times, 0.5):8.1f} "
            f"{_percentile(times, 0.99):8.1f} {max(times):8.1f} {count:6d}"
        )
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
