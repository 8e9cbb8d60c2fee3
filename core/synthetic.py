"""Synthetic intakes for dry runs: plausible values from the intake schema, no person's data."""

import re
from datetime import date, timedelta
from typing import Any

from core.catalog import LifeEventDefinition

_BY_PATTERN = {
    "^[0-9]{9}$": "000000000",
    "^[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]$": "K1A 0B1",
    "^[A-Z0-9]{6,9}$": "DRYRUN01",
}


def _value(path: str, node: dict[str, Any]) -> Any:
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "integer":
        return max(int(node.get("minimum", 0)), min(int(node.get("maximum", 1000)), 1000))
    if kind == "boolean":
        return False
    if node.get("format") == "date":
        # Adults were born long ago; everything else (a birth, a move, a last day) just happened.
        adult = path.startswith(("informant.", "deceased.", "spouse.")) and "birth" in path
        return "1960-01-01" if adult else (date.today() - timedelta(days=5)).isoformat()
    if node.get("format") == "email":
        return "dry-run@example.invalid"
    pattern = node.get("pattern")
    if pattern in _BY_PATTERN:
        return _BY_PATTERN[pattern]
    if pattern and not re.fullmatch(pattern, "Synthetic"):
        return None
    return "Synthetic"


def synthetic_intake(
    definition: LifeEventDefinition, paths: list[str], overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An intake holding a synthetic value at each path (the service's fields and rules)."""
    intake: dict[str, Any] = {"contact": {"email": "dry-run@example.invalid", "language": "en"}}
    for path in paths:
        node: dict[str, Any] = definition.intake_schema
        for part in path.split("."):
            node = definition._resolve(node).get("properties", {}).get(part, {})
        value = _value(path, definition._resolve(node))
        if value is None:
            continue
        parts = path.split(".")
        target = intake
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    for path, value in _flatten(overrides or {}):
        parts = path.split(".")
        target = intake
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return intake


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            pairs += _flatten(value, f"{path}.")
        else:
            pairs.append((path, value))
    return pairs
