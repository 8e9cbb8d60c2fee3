"""What the simulated agencies received and still owe, in a small SQLite file of their own.

Requests are deduplicated by their idempotency key (the ``webhook-id``), as a real agency would:
a retried delivery is answered with the first answer and not recorded twice.
"""

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS received (
    idempotency_key TEXT PRIMARY KEY,
    agency TEXT NOT NULL,
    service_id TEXT NOT NULL,
    journey_id TEXT NOT NULL,
    body TEXT NOT NULL,
    answer TEXT NOT NULL,
    deliveries INTEGER NOT NULL DEFAULT 1,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pending_decisions (
    idempotency_key TEXT PRIMARY KEY,
    agency TEXT NOT NULL,
    callback_url TEXT NOT NULL,
    decision TEXT NOT NULL,
    due_at REAL NOT NULL,
    sent_at REAL
);
"""


class AgencyStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def receive(
        self, *, key: str, agency: str, body: dict[str, Any], answer: dict[str, Any]
    ) -> dict[str, Any]:
        """Record a request once; return the answer given the first time it arrived."""
        with self._lock:
            row = self._db.execute(
                "SELECT answer FROM received WHERE idempotency_key = ?", (key,)
            ).fetchone()
            if row is not None:
                self._db.execute(
                    "UPDATE received SET deliveries = deliveries + 1 WHERE idempotency_key = ?",
                    (key,),
                )
                first: dict[str, Any] = json.loads(row[0])
                return first
            self._db.execute(
                "INSERT INTO received VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                (
                    key,
                    agency,
                    body["service_id"],
                    body["journey_id"],
                    json.dumps(body),
                    json.dumps(answer),
                    time.time(),
                ),
            )
            return answer

    def received(self, journey_id: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT agency, idempotency_key, body, deliveries FROM received"
        params: tuple[str, ...] = ()
        if journey_id:
            query += " WHERE journey_id = ?"
            params = (journey_id,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY received_at", params).fetchall()
        return [
            {"agency": a, "idempotency_key": k, "body": json.loads(b), "deliveries": d}
            for a, k, b, d in rows
        ]

    def promise_decision(
        self,
        *,
        key: str,
        agency: str,
        callback_url: str,
        decision: dict[str, Any],
        delay_seconds: float,
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO pending_decisions VALUES (?, ?, ?, ?, ?, NULL)",
                (key, agency, callback_url, json.dumps(decision), time.time() + delay_seconds),
            )

    def due_decisions(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        """(key, agency, callback URL, decision) for every decision now due."""
        with self._lock:
            rows = self._db.execute(
                "SELECT idempotency_key, agency, callback_url, decision FROM pending_decisions"
                " WHERE sent_at IS NULL AND due_at <= ?",
                (time.time(),),
            ).fetchall()
        return [(key, agency, url, json.loads(decision)) for key, agency, url, decision in rows]

    def mark_sent(self, key: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE pending_decisions SET sent_at = ? WHERE idempotency_key = ?",
                (time.time(), key),
            )
