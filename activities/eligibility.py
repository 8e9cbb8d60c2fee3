"""Eligibility: a service's rules, as data, evaluated against the intake, with reasons.

Pure and deterministic, so journeys run it as a local activity (no extra server round trip).
"not eligible" is a normal outcome, not an error.
"""

from datetime import date, datetime
from typing import Any

from temporalio import activity

from core.fields import get_path
from core.models import Condition, EligibilityInput, EligibilityResult, EligibilityRule


def _years_between(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def rule_holds(rule: EligibilityRule, intake: dict[str, Any], as_of: datetime) -> bool:
    """A rule holds when its condition (or any one of its ``any`` conditions) holds."""
    return any(condition_holds(c, intake, as_of) for c in rule.conditions())


def condition_holds(rule: Condition, intake: dict[str, Any], as_of: datetime) -> bool:
    value = get_path(intake, rule.field)
    today = as_of.date()
    match rule.op:
        case "exists":
            return value not in (None, "")
        case "equals":
            return bool(value == rule.value)
        case "not_equals":
            return bool(value != rule.value)
        case "in":
            return value in (rule.value or [])
        case "not_in":
            return value is not None and value not in (rule.value or [])
        case "gte" | "lte":
            if not isinstance(value, int | float) or isinstance(value, bool):
                return False
            return bool(value >= rule.value if rule.op == "gte" else value <= rule.value)
        case "age_at_least" | "age_at_most":
            born = _as_date(value)
            if born is None:
                return False
            age = _years_between(born, today)
            return age >= int(rule.value) if rule.op == "age_at_least" else age <= int(rule.value)
        case "within_days":
            happened = _as_date(value)
            return happened is not None and 0 <= (today - happened).days <= int(rule.value)
    return False


def evaluate(request: EligibilityInput) -> EligibilityResult:
    rules = request.rules.all if request.rules else []
    reasons = [
        rule.reason.in_(request.language)
        for rule in rules
        if not rule_holds(rule, request.intake, request.as_of)
    ]
    return EligibilityResult(eligible=not reasons, reasons=reasons)


@activity.defn
async def check_eligibility(request: EligibilityInput) -> EligibilityResult:
    return evaluate(request)
