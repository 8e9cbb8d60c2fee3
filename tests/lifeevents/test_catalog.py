"""Life-event definitions are data; a malformed one fails at load, naming the place."""

import shutil
from pathlib import Path

import pytest
import yaml

from life_events import DEFINITIONS_DIR
from lifeevents.catalog import CatalogError, load_catalog


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
