"""Life-event definitions are data; a malformed one fails at load, naming the place."""

import shutil
from pathlib import Path

import pytest
import yaml

from life_events import DEFINITIONS_DIR
from lifeevents.catalog import CatalogError, load_catalog


def test_the_shipped_catalog_loads() -> None:
    catalog = load_catalog()
    birth = catalog["birth"]
    assert birth.has_field("child.birth_date") and birth.has_field("informant.national_id")
    assert not birth.has_field("child.shoe_size")


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
    ],
)
def test_a_malformed_definition_fails_loudly(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    with pytest.raises(CatalogError) as error:
        load_catalog(_catalog_with(tmp_path, change))
    assert str(error.value).startswith(message)
