"""The stack's processes as /proc shows them: the worker (its RSS), the Temporal dev server
(its SQLite store), and the CPU time each spends. Linux only; elsewhere nothing is found and
those figures stay empty."""

import os
import time
from pathlib import Path

PROC = Path("/proc")


def _cmdline(pid: int) -> list[str]:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = (PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return {}
    pairs = (part.decode(errors="replace").partition("=") for part in raw.split(b"\0") if part)
    return {key: value for key, _, value in pairs}


def _cli_role(command: list[str]) -> str | None:
    """`worker` for `python -m cli worker ...`; None for any other command."""
    if "-m" not in command:
        return None
    module = command[command.index("-m") + 1 :]
    return module[1] if len(module) > 1 and module[0] == "cli" else None


def _pids() -> list[int]:
    try:
        return sorted(int(p.name) for p in PROC.iterdir() if p.name.isdigit())
    except OSError:
        return []


def find_worker(temporal: str) -> int | None:
    """The stack's worker (`python -m cli worker`) that talks to this Temporal address.

    Several stacks may run on one machine: a worker whose environment names another
    TEMPORAL_ADDRESS is not ours. None unless exactly one candidate remains."""
    found: list[int] = []
    for pid in _pids():
        if _cli_role(_cmdline(pid)) == "worker":
            address = _environ(pid).get("TEMPORAL_ADDRESS")
            if address is None or address == temporal:
                found.append(pid)
    return found[0] if len(found) == 1 else None


def find_temporal_db(temporal: str) -> Path | None:
    """The SQLite file of the dev server listening on this address's port (`--db-filename`)."""
    port = temporal.rsplit(":", 1)[-1]
    for pid in _pids():
        command = _cmdline(pid)
        if "start-dev" not in command or "--db-filename" not in command:
            continue
        ports = [command[i + 1] for i, arg in enumerate(command[:-1]) if arg in ("--port", "-p")]
        if port in ports or (not ports and port == "7233"):
            return Path(command[command.index("--db-filename") + 1])
    return None


def rss_kb(pid: int) -> int | None:
    """The process's resident memory (VmRSS), in KiB."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def store_bytes(database: Path) -> int | None:
    """The SQLite store's size: the database file and its write-ahead log."""
    if not database.exists():
        return None
    wal = database.with_name(database.name + "-wal")
    return database.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


# --- CPU time per process, to say where a workflow's cost goes --------------------------------

STACK_ROLES = ("api", "worker", "agencies", "mail")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def stack_processes(temporal: str) -> dict[str, list[int]]:
    """The stack's processes by role: the dev server listening on this address's port, and each
    `python -m cli <role>` whose environment names this TEMPORAL_ADDRESS (or none), with the
    processes it started (the API's uvicorn workers with API_WORKERS > 1)."""
    port = temporal.rsplit(":", 1)[-1]
    found: dict[str, list[int]] = {}
    children: dict[int, list[int]] = {}
    for pid in _pids():
        parent = _parent(pid)
        if parent is not None:
            children.setdefault(parent, []).append(pid)
        command = _cmdline(pid)
        if "start-dev" in command:
            ports = [
                command[i + 1] for i, arg in enumerate(command[:-1]) if arg in ("--port", "-p")
            ]
            if port in ports or (not ports and port == "7233"):
                found.setdefault("temporal", []).append(pid)
        elif (role := _cli_role(command)) in STACK_ROLES:
            address = _environ(pid).get("TEMPORAL_ADDRESS")
            if address is None or address == temporal:
                found.setdefault(role, []).append(pid)
    for pids in found.values():
        todo = list(pids)
        while todo:
            below = children.get(todo.pop(), [])
            pids.extend(below)
            todo.extend(below)
    return found


def _parent(pid: int) -> int | None:
    try:
        return int((PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time the process has used so far (its threads included)."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK


class CpuMeter:
    """CPU seconds each of the stack's processes (and this one) spent between `start` and
    `stop`. A loaded machine slows things down but hardly changes these: they say where a
    workflow's cost goes, which throughput alone cannot."""

    def __init__(self, temporal: str) -> None:
        self._temporal = temporal
        self._before: dict[str, float] = {}
        self.spent: dict[str, float] = {}

    def _read(self) -> dict[str, float]:
        totals = {"bench": time.process_time()}
        for role, pids in stack_processes(self._temporal).items():
            seconds = [cpu_seconds(pid) for pid in pids]
            totals[role] = sum(s for s in seconds if s is not None)
        return totals

    def start(self) -> None:
        self._before = self._read()

    def stop(self) -> dict[str, float]:
        after = self._read()
        self.spent = {
            role: round(after[role] - self._before.get(role, 0.0), 2)
            for role in after
            if role in self._before
        }
        return self.spent
