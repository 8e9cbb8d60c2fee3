"""Field paths into an intake ("child.given_name"): read and pick only what a service declared."""

from typing import Any

_MISSING = object()


def get_path(data: dict[str, Any], path: str) -> Any:
    """The value at a dotted path, or None when any part is absent."""
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def pick(data: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """A copy of ``data`` holding only the given paths (data minimisation)."""
    picked: dict[str, Any] = {}
    for path in paths:
        value = get_path(data, path)
        if value is None:
            continue
        parts = path.split(".")
        node = picked
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return picked
