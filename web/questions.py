"""The questions of a life event, generated from its intake schema, and the person's answers
read back from the form, checked against that same schema.

Labels and hints come from the definition as data when it has them (``x-label``, ``x-hint``,
``x-option-labels`` beside a property, each ``{en, fr}``); otherwise the field's name humanised
("birth_date" → "Birth date") through the message catalogue, so common fields are translated
once for every life event.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from babel.dates import format_date

from core.catalog import LifeEventDefinition
from web.i18n import Language

# Parts of the intake asked on other pages (choose and consent), or taken from the page itself.
NOT_ASKED = {"services", "consents", "contact.language"}
NUMERIC_PATTERN = re.compile(r"^\^\[0-9\]\{\d+(,\d*)?\}\$$")
Kind = Literal["text", "numeric", "email", "tel", "date", "radios"]
Gettext = Callable[[str], str]
DATE_PARTS = ("day", "month", "year")


@dataclass
class Question:
    path: str
    label: str
    kind: Kind
    required: bool
    hint: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    max_length: int | None = None
    # The JSON type the answer is sent as (a form's values are all text).
    json_type: str = "string"

    @property
    def id(self) -> str:
        """The HTML id (a date's first input is ``<id>-day``)."""
        return self.path.replace(".", "-")

    @property
    def anchor(self) -> str:
        return f"{self.id}-day" if self.kind == "date" else self.id


@dataclass
class Section:
    name: str
    title: str
    required: bool
    questions: list[Question]


def humanise(name: str) -> str:
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def _localised(node: Mapping[str, Any], key: str, language: Language) -> str | None:
    value = node.get(key)
    if isinstance(value, Mapping):
        text = value.get(language) or value.get("en")
        return str(text) if text else None
    return None


class QuestionBuilder:
    def __init__(self, definition: LifeEventDefinition, language: Language, _: Gettext) -> None:
        self.definition = definition
        self.language = language
        self._ = _

    def resolve(self, node: Mapping[str, Any]) -> dict[str, Any]:
        """A property's schema with its $ref followed; its own keywords (labels) win."""
        resolved = dict(self.definition._resolve(dict(node)))
        return {**resolved, **{k: v for k, v in node.items() if k != "$ref"}}

    def label(self, node: Mapping[str, Any], name: str) -> str:
        return _localised(node, "x-label", self.language) or self._(humanise(name))

    def sections(self) -> list[Section]:
        schema = self.definition.intake_schema
        required = set(schema.get("required", []))
        sections = []
        for name, raw in schema.get("properties", {}).items():
            if name in NOT_ASKED:
                continue
            node = self.resolve(raw)
            if node.get("type") == "object":
                questions = self._questions(node, name)
            else:
                questions = [self._question(node, name, name, name in required)]
            if questions:
                sections.append(Section(name, self.label(node, name), name in required, questions))
        return sections

    def _questions(self, node: Mapping[str, Any], prefix: str) -> list[Question]:
        required = set(node.get("required", []))
        questions: list[Question] = []
        for name, raw in node.get("properties", {}).items():
            path = f"{prefix}.{name}"
            if path in NOT_ASKED:
                continue
            child = self.resolve(raw)
            if child.get("type") == "object":
                questions.extend(self._questions(child, path))
            else:
                questions.append(self._question(child, name, path, name in required))
        return questions

    def _question(self, node: Mapping[str, Any], name: str, path: str, required: bool) -> Question:
        hint = _localised(node, "x-hint", self.language)
        if hint is None and isinstance(node.get("description"), str):
            hint = self._(node["description"])
        options: list[tuple[str, str]] = []
        kind: Kind = "text"
        json_type = str(node.get("type", "string"))
        if json_type == "boolean":
            kind = "radios"
            options = [("true", self._("Yes")), ("false", self._("No"))]
        elif json_type in ("integer", "number"):
            kind = "numeric"
        elif node.get("format") == "date":
            kind = "date"
        elif "enum" in node:
            kind = "radios"
            labels = node.get("x-option-labels", {})
            options = [
                (
                    str(value),
                    _localised(labels, str(value), self.language) or self._(humanise(str(value))),
                )
                for value in node["enum"]
            ]
        elif node.get("format") == "email":
            kind = "email"
        elif name == "phone":
            kind = "tel"
        elif NUMERIC_PATTERN.match(str(node.get("pattern", ""))):
            kind = "numeric"
        return Question(
            path=path,
            label=self.label(node, name),
            kind=kind,
            required=required,
            hint=hint,
            options=options,
            max_length=node.get("maxLength"),
            json_type=json_type,
        )


def _get(answers: Mapping[str, Any], path: str) -> Any:
    node: Any = answers
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _set(answers: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = answers
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def form_values(sections: list[Section], answers: Mapping[str, Any]) -> dict[str, str]:
    """The form's inputs as the answers fill them (a date in its three inputs)."""
    values: dict[str, str] = {}
    for question in (q for s in sections for q in s.questions):
        value = _get(answers, question.path)
        if value is None:
            continue
        if question.kind == "date":
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                continue
            values.update(
                {
                    f"{question.path}-day": str(day.day),
                    f"{question.path}-month": str(day.month),
                    f"{question.path}-year": str(day.year),
                }
            )
        elif isinstance(value, bool):
            values[question.path] = "true" if value else "false"
        else:
            values[question.path] = str(value)
    return values


INVALID_DATE = "not-a-real-date"


def _date_answer(form: Mapping[str, str], path: str) -> str | None:
    parts = [form.get(f"{path}-{part}", "").strip() for part in DATE_PARTS]
    if not any(parts):
        return None
    try:
        day, month, year = (int(part) for part in parts)
        if year < 1000:
            return INVALID_DATE
        return date(year, month, day).isoformat()
    except ValueError:
        return INVALID_DATE


def _typed(question: Question, text: str) -> Any:
    """A form's text as the schema's type; text that is not one stays text, for the schema to
    refuse with the field's message."""
    if not text:
        return None
    if question.json_type == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if question.json_type in ("integer", "number"):
        try:
            return int(text) if question.json_type == "integer" else float(text)
        except ValueError:
            return text
    return text


def read_answers(sections: list[Section], form: Mapping[str, str]) -> dict[str, Any]:
    """The intake's parts from the form: empty inputs left out (so the schema says what is
    missing), a section present whenever it is required or answered at all."""
    answers: dict[str, Any] = {}
    for section in sections:
        part: dict[str, Any] = {}
        for question in section.questions:
            if question.kind == "date":
                value = _date_answer(form, question.path)
            else:
                value = _typed(question, form.get(question.path, "").strip())
            if value is not None:
                _set(part, question.path, value)
        if section.name in part:
            answers[section.name] = part[section.name]
        elif section.required and any(q.path != section.name for q in section.questions):
            answers[section.name] = {}
    return answers


def message(question: Question, validator: str, _: Gettext) -> str:
    """The error message for a field, the design system's way: what to do, in plain words."""
    label = question.label[:1].lower() + question.label[1:]
    if validator in ("required", "minLength"):
        if question.kind == "radios":
            return _("Select {label}").format(label=label)
        return _("Enter {label}").format(label=label)
    if question.kind == "date":
        return _("{label} must be a real date").format(label=question.label)
    if question.kind == "email":
        return _("Enter an email address in the correct format, like name@example.com")
    if question.kind == "tel":
        return _("Enter a phone number with its country code, like +15145550123")
    if validator == "maxLength" and question.max_length:
        return _("{label} must be {count} characters or fewer").format(
            label=question.label, count=question.max_length
        )
    if validator == "enum":
        return _("Select {label}").format(label=label)
    if validator == "type" and question.json_type in ("integer", "number"):
        return _("{label} must be a number").format(label=question.label)
    if validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return _("{label} is out of range").format(label=question.label)
    return _("Enter {label} in the correct format").format(label=label)


def errors_of(
    definition: LifeEventDefinition,
    sections: list[Section],
    answers: dict[str, Any],
    _: Gettext,
) -> dict[str, str]:
    """Each wrong field's message, by its path, in the order the questions are asked; only the
    asked parts are checked here (services and consents come later)."""
    by_path = {q.path: q for s in sections for q in s.questions}
    found: dict[str, str] = {}
    for error in definition.validator().iter_errors(answers):
        where = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            instance = error.instance if isinstance(error.instance, Mapping) else {}
            paths = [
                f"{where}.{name}" if where else str(name)
                for name in error.validator_value
                if name not in instance
            ]
        else:
            paths = [where]
        for path in paths:
            question = by_path.get(path)
            if question is not None and path not in found:
                found[path] = message(question, str(error.validator), _)
    return {path: found[path] for path in by_path if path in found}


def display(question: Question, value: Any, language: Language) -> str:
    """An answer as the check-your-answers page shows it."""
    if value is None:
        return ""
    if question.kind == "date":
        try:
            return format_date(date.fromisoformat(str(value)), format="long", locale=language)
        except ValueError:
            return str(value)
    if question.kind == "radios":
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return dict(question.options).get(text, text)
    return str(value)


def answer(answers: Mapping[str, Any], question: Question) -> Any:
    return _get(answers, question.path)
