"""docker-compose.yml and the Dockerfile read the way Docker reads them, for the tests that check
them and the test that runs our processes as compose wires them (there is no Docker engine here).

Only what our files use: YAML merge keys (PyYAML resolves them), ``${VAR}``, ``${VAR:-default}``,
``${VAR:?message}`` and ``$$``; the image's ENV and ENTRYPOINT."""

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

_REFERENCE = re.compile(
    r"\$\$|\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?:(?P<operator>:[-?])(?P<arg>[^}]*))?\}"
)


class MissingVariable(KeyError):
    """A ``${VAR:?message}`` whose variable is unset or empty: compose refuses to start."""


def load_compose() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return parsed


def environment_references(text: str) -> list[tuple[str, str]]:
    """Every ``${VAR…}`` in ``text``: the variable and its operator (":-", ":?" or "")."""
    return [
        (match["name"], match["operator"] or "")
        for match in _REFERENCE.finditer(text)
        if match["name"]
    ]


def interpolate(value: str, variables: dict[str, str]) -> str:
    """``value`` as compose passes it to a container, given the .env file's ``variables``."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match["name"], match["operator"], match["arg"]
        given = variables.get(name, "")
        if operator == ":?" and not given:
            raise MissingVariable(f"{name}: {argument}")
        if operator == ":-" and not given:
            return str(argument)
        return given

    return _REFERENCE.sub(replace, value)


def service_environment(service: str, variables: dict[str, str]) -> dict[str, str]:
    """The environment compose gives ``service``'s container (before the image's own ENV)."""
    spec = load_compose()["services"][service]
    return {key: interpolate(str(value), variables) for key, value in spec["environment"].items()}


def dockerfile_instructions() -> list[str]:
    """The Dockerfile's instructions, comments dropped and continuation lines joined."""
    text = DOCKERFILE.read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return [line.strip() for line in "\n".join(lines).replace("\\\n", " ").splitlines() if line]


def image_entrypoint() -> list[str]:
    """The image's ENTRYPOINT (exec form)."""
    line = next(line for line in dockerfile_instructions() if line.startswith("ENTRYPOINT "))
    entrypoint: list[str] = yaml.safe_load(line.removeprefix("ENTRYPOINT "))
    return entrypoint


def image_environment() -> dict[str, str]:
    """The run stage's ENV (``KEY=value`` pairs), as every container of our image starts with."""
    instructions = dockerfile_instructions()
    last_stage = max(i for i, line in enumerate(instructions) if line.startswith("FROM "))
    found: dict[str, str] = {}
    for line in instructions[last_stage:]:
        if line.startswith("ENV "):
            for pair in line.removeprefix("ENV ").split():
                key, _, value = pair.partition("=")
                found[key] = value
    return found
