"""Life-event definitions are data; a malformed one fails at load, naming the place."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.catalog import CatalogError, load_catalog
from life_events import DEFINITIONS_DIR


def test_the_shipped_catalog_loads() -> None:
    catalog = load_catalog()
    assert {
        "birth",
        "death",
        "retirement",
        "marriage",
        "change-of-address",
        "job-loss",
        "leaving-military-service",
        "disaster-recovery",
    } <= set(catalog)
    assert {s.id for s in catalog["death"].services} == {
        "pension.stop-payments",
        "pension.survivor-benefit",
        "tax.final-return",
        "passport.cancel",
        "driving.cancel-licence",
        "health.end-coverage",
        "municipal.electoral-roll",
    }
    birth = catalog["birth"]
    assert birth.has_field("child.birth_date") and birth.has_field("informant.national_id")
    assert not birth.has_field("child.shoe_size")


def test_leaving_military_service_is_defined() -> None:
    definition = load_catalog()["leaving-military-service"]
    assert [(s.id, s.optional) for s in definition.services] == [
        ("veterans.transition-benefits", False),
        ("health.coverage-transfer", False),
        ("pension.military-pension", False),
        ("employment-services.veteran-placement", True),
    ]
    assert {(d.id, d.from_field, d.period.days) for d in definition.deadlines} == {
        ("health-coverage", "military_service.release_date", 90),
        ("pension-option", "military_service.release_date", 365),
    }
    assert definition.title.fr == "Quitter le service militaire"
    assert all(s.purpose and s.purpose.en and s.purpose.fr for s in definition.services)


def test_disaster_recovery_is_defined() -> None:
    definition = load_catalog()["disaster-recovery"]
    assert [(s.id, s.optional, s.needs) for s in definition.services] == [
        ("emergency-management.emergency-assistance", False, []),
        ("housing.temporary-housing", False, ["emergency-management.emergency-assistance"]),
        ("passport.replacement", True, []),
        ("vital-statistics.certificate-replacement", True, []),
        ("tax.disaster-relief", True, []),
    ]
    [deadline] = definition.deadlines
    assert (deadline.from_field, deadline.period.days) == ("disaster.date", 90)
    assert deadline.services == [
        "emergency-management.emergency-assistance",
        "housing.temporary-housing",
    ]
    assert definition.title.fr == "Se relever d'une catastrophe"
    assert all(s.purpose and s.purpose.en and s.purpose.fr for s in definition.services)


def _schema_nodes(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema node under ``node`` that has properties or is a property, with its path."""
    if not isinstance(node, dict):
        return
    yield path, node
    for name, child in node.get("properties", {}).items():
        yield from _schema_nodes(child, f"{path}.{name}".lstrip("."))


def test_question_labels_in_the_definitions_are_in_both_languages() -> None:
    """``x-label``, ``x-hint`` and ``x-option-labels`` (read by the web questions) say each
    thing in English and French, and label exactly the values a field allows."""
    labelled = 0
    for life_event, definition in load_catalog().items():
        for path, node in _schema_nodes(definition.intake_schema):
            where = f"{life_event}: {path}"
            for key in ("x-label", "x-hint"):
                if key in node:
                    labelled += 1
                    assert set(node[key]) == {"en", "fr"}, where
                    assert all(node[key].values()), where
            if "x-option-labels" in node:
                assert list(node["x-option-labels"]) == node["enum"], where
                for text in node["x-option-labels"].values():
                    assert set(text) == {"en", "fr"} and all(text.values()), where
    assert labelled > 0


def test_the_new_life_events_label_every_question() -> None:
    catalog = load_catalog()
    for life_event, part in (
        ("leaving-military-service", "military_service"),
        ("disaster-recovery", "disaster"),
        ("disaster-recovery", "home"),
        ("disaster-recovery", "lost_documents"),
    ):
        node = catalog[life_event].intake_schema["properties"][part]
        assert "x-label" in node, (life_event, part)
        for name, field in node["properties"].items():
            assert "x-label" in field, (life_event, part, name)
            assert "enum" not in field or "x-option-labels" in field, (life_event, part, name)


def _catalog_with(tmp_path: Path, change: dict[str, object]) -> Path:
    shutil.copy(DEFINITIONS_DIR / "common.yaml", tmp_path / "common.yaml")
    birth = yaml.safe_load((DEFINITIONS_DIR / "birth.yaml").read_text())
    birth.update(change)
    (tmp_path / "birth.yaml").write_text(yaml.safe_dump(birth))
    return tmp_path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "blue"}, "birth.yaml: colour: Extra inputs are not permitted"),
        ({"version": 0}, "birth.yaml: version: Input should be greater than or equal to 1"),
        ({"type": "death"}, "birth.yaml: type 'death' must match the file name"),
        (
            {"intake_schema": {"type": "object", "required": ["informant"]}},
            "birth.yaml: (top level): Value error, intake_schema must require 'contact'",
        ),
        (
            {"intake_schema": {"type": "objekt", "required": ["informant", "contact"]}},
            "birth.yaml: (top level): Value error, "
            "intake_schema is not valid JSON Schema at 'type'",
        ),
        (
            {"services": [{"id": "a.b1"}, {"id": "a.b1"}]},
            "birth.yaml: (top level): Value error, services lists ['a.b1'] more than once",
        ),
        (
            {"services": [{"id": "a.b1", "needs": ["a.b3"]}]},
            "birth.yaml: (top level): Value error, services[0].needs: 'a.b3' is not a service",
        ),
        (
            {
                "services": [
                    {"id": "a.b1", "needs": ["a.b2"]},
                    {"id": "a.b2", "needs": ["a.b3"]},
                    {"id": "a.b3", "needs": ["a.b1"]},
                ]
            },
            "birth.yaml: (top level): Value error, services: needs form a cycle: "
            "a.b1 -> a.b2 -> a.b3 -> a.b1",
        ),
        (
            {
                "deadlines": [
                    {
                        "id": "late",
                        "title": {"en": "x", "fr": "x"},
                        "period": "P1D",
                        "from_field": "child.wedding_date",
                        "services": ["vital-statistics.birth-registration"],
                    }
                ]
            },
            "birth.yaml: (top level): Value error, deadlines[0].from_field: 'child.wedding_date'",
        ),
    ],
)
def test_a_malformed_definition_fails_loudly(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    with pytest.raises(CatalogError) as error:
        load_catalog(_catalog_with(tmp_path, change))
    assert str(error.value).startswith(message)
