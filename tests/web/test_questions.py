"""Questions from an intake schema, and the form's answers read back as the schema's types."""

from core.catalog import get_catalog
from web.questions import (
    QuestionBuilder,
    Section,
    errors_of,
    form_values,
    humanise,
    read_answers,
)


def _sections(life_event: str) -> list[Section]:
    return QuestionBuilder(get_catalog()[life_event], "en", lambda t: t).sections()


def test_fields_without_a_label_are_named_after_themselves() -> None:
    assert humanise("birth_date") == "Birth date"
    assert humanise("laid_off") == "Laid off"
    child = next(s for s in _sections("birth") if s.name == "child")
    assert child.title == "About the child"  # its x-label
    assert [q.label for q in child.questions][:2] == ["Given name", "Family name"]
    sex = next(q for q in child.questions if q.path == "child.sex")
    assert sex.kind == "radios" and sex.options[0] == ("F", "Female")
    french = QuestionBuilder(get_catalog()["birth"], "fr", lambda t: t).sections()
    assert next(s for s in french if s.name == "child").title == "À propos de l'enfant"


def test_a_date_is_read_from_its_three_inputs_and_given_back_to_them() -> None:
    sections = _sections("birth")
    form = {
        "child.birth_date-day": "2",
        "child.birth_date-month": "11",
        "child.birth_date-year": "2026",
    }
    answers = read_answers(sections, form)
    assert answers["child"]["birth_date"] == "2026-11-02"
    assert form_values(sections, answers)["child.birth_date-day"] == "2"
    impossible = read_answers(
        sections, {**form, "child.birth_date-day": "31", "child.birth_date-month": "2"}
    )
    errors = errors_of(get_catalog()["birth"], sections, impossible, lambda t: t)
    assert errors["child.birth_date"] == "Birth date must be a real date"
    # Empty inputs are left out, so the schema says what is missing.
    assert errors["child.given_name"] == "Enter given name"
    assert errors["child.sex"] == "Select sex"


def test_booleans_and_numbers_are_sent_as_such() -> None:
    sections = _sections("job-loss")
    questions = {q.path: q for s in sections for q in s.questions}
    typed = {path: q for path, q in questions.items() if q.json_type != "string"}
    assert typed, "job-loss asks for a number or a yes/no"
    form = {path: ("true" if q.json_type == "boolean" else "12") for path, q in typed.items()}
    answers = read_answers(sections, form)
    for path, q in typed.items():
        part, name = path.split(".", 1)
        value = answers[part][name]
        assert value is True if q.json_type == "boolean" else value == 12
