"""Reading a journey's raw history as the `temporal` CLI prints it."""

import base64
import json
import subprocess
from typing import Any

from core.temporal import temporal_cli_path


def show(address: str, workflow_id: str, *extra: str, check: bool = True) -> str:
    """`temporal workflow show --output json` (add --codec-endpoint and friends in extra)."""
    return subprocess.run(
        [
            str(temporal_cli_path()),
            "workflow",
            "show",
            "--workflow-id",
            workflow_id,
            "--address",
            address,
            "--output",
            "json",
            *extra,
        ],
        check=check,
        capture_output=True,
        text=True,
    ).stdout


def payloads(node: Any, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every payload ({"metadata", "data"}) in a parsed history, except under ``skip`` keys."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if isinstance(node.get("data"), str) and isinstance(node.get("metadata"), dict):
            found.append(node)
        for key, value in node.items():
            if key not in skip:
                found += payloads(value, skip)
    elif isinstance(node, list):
        for value in node:
            found += payloads(value, skip)
    return found


def payload_bytes(output: str) -> bytes:
    """All payload data of a `show` output, base64-decoded and joined."""
    history = json.loads(output) if output.strip() else {}
    return b"\n".join(base64.b64decode(p["data"]) for p in payloads(history))
