"""The life-event catalog: definitions read from ``life_events/*.yaml`` and checked at load.

A malformed definition fails loudly, naming the file and the place, so a policy team's mistake
never reaches a journey.
"""

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from pydantic import Field, ValidationError, model_validator

from core.models import LocalizedText, Model
from life_events import DEFINITIONS_DIR

# Every intake carries these: the informant (whose identity we verify) and a contact (whom we
# notify). The engine relies on them, so every definition must require them.
REQUIRED_INTAKE_PARTS = ("informant", "contact")


class CatalogError(Exception):
    """A definition is malformed; the message names the file and the place."""


class BundleService(Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{2,99}$")
    optional: bool = False
    # Services of this bundle whose outcome this one needs; it runs once they have completed.
    needs: list[str] = Field(default_factory=list)
    # Why the agency needs the person's data: what the person is asked to consent to.
    purpose: LocalizedText | None = None
    # Documents the agency may ask for (shown to the person up front).
    evidence: list[str] = Field(default_factory=list)


class DeadlineDefinition(Model):
    """A legal deadline, counted from a date in the intake (or from the journey's start)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,49}$")
    title: LocalizedText
    period: timedelta
    from_field: str | None = None
    services: list[str] = Field(min_length=1)


class ProactiveStart(Model):
    """How an authoritative registry's event starts this life event with no application."""

    event_type: str = Field(pattern=r"^[a-z0-9.-]{3,100}$")
    # Intake parts taken from the event's data: {intake part: path in the event's data}.
    intake: dict[str, str] = Field(min_length=1)
    # Path in the event's data of whom to offer the journey to: {email, language, given_name}.
    offer_to: str
    # How long the offer stands (Tell Us Once: a reference valid for 28 days).
    confirm_within: timedelta


class LifeEventDefinition(Model):
    type: str = Field(pattern=r"^[a-z][a-z0-9-]{1,49}$")
    version: int = Field(ge=1)
    title: LocalizedText
    description: LocalizedText | None = None
    intake_schema: dict[str, Any]
    services: list[BundleService] = Field(min_length=1)
    deadlines: list[DeadlineDefinition] = Field(default_factory=list)
    proactive: ProactiveStart | None = None

    @model_validator(mode="after")
    def _check(self) -> "LifeEventDefinition":
        try:
            Draft202012Validator.check_schema(self.intake_schema)
        except SchemaError as error:
            where = "/".join(str(p) for p in error.absolute_path)
            raise ValueError(
                f"intake_schema is not valid JSON Schema at '{where}': {error.message}"
            ) from error
        required = self.intake_schema.get("required", [])
        for part in REQUIRED_INTAKE_PARTS:
            if part not in required:
                raise ValueError(f"intake_schema must require '{part}'")
        ids = [s.id for s in self.services]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"services lists {duplicates} more than once")
        for index, service in enumerate(self.services):
            for need in service.needs:
                if need not in ids:
                    raise ValueError(
                        f"services[{index}].needs: '{need}' is not a service of this life event"
                    )
        cycle = find_cycle({s.id: s.needs for s in self.services})
        if cycle:
            raise ValueError(f"services: needs form a cycle: {' -> '.join(cycle)}")
        for index, deadline in enumerate(self.deadlines):
            for service_id in deadline.services:
                if service_id not in ids:
                    raise ValueError(
                        f"deadlines[{index}].services: '{service_id}' is not a service of this "
                        "life event"
                    )
            if deadline.from_field and not self.has_field(deadline.from_field):
                raise ValueError(
                    f"deadlines[{index}].from_field: '{deadline.from_field}' is not a field of "
                    "the intake"
                )
        if self.proactive:
            properties = self.intake_schema.get("properties", {})
            for part in self.proactive.intake:
                if part not in properties:
                    raise ValueError(f"proactive.intake: '{part}' is not a part of the intake")
        return self

    def part_validator(self, part: str) -> Draft202012Validator:
        """A validator for one top-level part of the intake (e.g. the informant alone)."""
        schema = {
            "$schema": self.intake_schema.get("$schema"),
            "$defs": self.intake_schema.get("$defs", {}),
            **self.intake_schema["properties"][part],
        }
        return Draft202012Validator(schema, format_checker=FormatChecker())

    def service(self, service_id: str) -> BundleService | None:
        return next((s for s in self.services if s.id == service_id), None)

    def validator(self) -> Draft202012Validator:
        return Draft202012Validator(self.intake_schema, format_checker=FormatChecker())

    def has_field(self, path: str) -> bool:
        """Whether a dotted path ("child.given_name") names a property of the intake schema."""
        node: dict[str, Any] = self.intake_schema
        for part in path.split("."):
            node = self._resolve(node)
            properties = node.get("properties", {})
            if part not in properties:
                return False
            node = properties[part]
        return True

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            resolved: dict[str, Any] = self.intake_schema["$defs"][ref.removeprefix("#/$defs/")]
            return resolved
        return node


def find_cycle(needs: dict[str, list[str]]) -> list[str] | None:
    """A dependency cycle among services, as a path that ends where it starts, or None."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for need in needs.get(node, []):
            found = visit(need)
            if found:
                return found
        visiting.pop()
        done.add(node)
        return None

    for node in needs:
        found = visit(node)
        if found:
            return found
    return None


def load_definition(path: Path, common_defs: dict[str, Any]) -> LifeEventDefinition:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise CatalogError(f"{path.name}: expected a mapping at the top level")
    schema = raw.get("intake_schema")
    if isinstance(schema, dict):
        schema.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
        schema["$defs"] = {**common_defs, **schema.get("$defs", {})}
    try:
        definition = LifeEventDefinition.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise CatalogError(f"{path.name}: {where}: {first['msg']}") from error
    if definition.type != path.stem:
        raise CatalogError(f"{path.name}: type '{definition.type}' must match the file name")
    return definition


def load_catalog(directory: Path = DEFINITIONS_DIR) -> dict[str, LifeEventDefinition]:
    common = yaml.safe_load((directory / "common.yaml").read_text(encoding="utf-8"))
    common_defs: dict[str, Any] = common.get("$defs", {})
    catalog: dict[str, LifeEventDefinition] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "common.yaml":
            continue
        definition = load_definition(path, common_defs)
        catalog[definition.type] = definition
    return catalog


@lru_cache
def get_catalog() -> dict[str, LifeEventDefinition]:
    return load_catalog()
