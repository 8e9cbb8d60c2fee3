"""The stack's processes as /proc shows them: the worker (its RSS) and the Temporal dev server
(its SQLite store). Linux only; elsewhere nothing is found and those figures stay empty."""

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
        command = _cmdline(pid)
        if "-m" in command and command[command.index("-m") :][1:3] == ["cli", "worker"]:
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
