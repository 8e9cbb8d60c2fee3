"""Eligibility rules as data, with reasons."""

from datetime import UTC, datetime
from typing import Any

import pytest

from activities.eligibility import evaluate
from core.models import EligibilityInput, EligibilityRules

AS_OF = datetime(2026, 11, 25, tzinfo=UTC)
INTAKE = {
    "informant": {"birth_date": "2010-11-26"},
    "child": {"birth_date": "2026-11-20", "sex": "F"},
}


def rules(*rule: dict[str, Any]) -> EligibilityRules:
    return EligibilityRules.model_validate(
        {
            "all": [
                {**r, "reason": {"en": f"{r['op']} failed", "fr": f"{r['op']} échoué"}}
                for r in rule
            ]
        }
    )


@pytest.mark.parametrize(
    ("rule", "eligible"),
    [
        ({"field": "informant.birth_date", "op": "age_at_least", "value": 16}, False),
        ({"field": "informant.birth_date", "op": "age_at_least", "value": 15}, True),
        ({"field": "informant.birth_date", "op": "age_at_most", "value": 15}, True),
        ({"field": "child.birth_date", "op": "within_days", "value": 5}, True),
        ({"field": "child.birth_date", "op": "within_days", "value": 4}, False),
        ({"field": "child.sex", "op": "in", "value": ["F", "X"]}, True),
        ({"field": "child.sex", "op": "equals", "value": "M"}, False),
        ({"field": "child.sex", "op": "not_equals", "value": "M"}, True),
        ({"field": "child.middle_name", "op": "exists"}, False),
    ],
)
def test_each_operator(rule: dict[str, Any], eligible: bool) -> None:
    result = evaluate(
        EligibilityInput(
            journey_id="j",
            service_id="s",
            language="en",
            rules=rules(rule),
            intake=INTAKE,
            as_of=AS_OF,
        )
    )
    assert result.eligible is eligible
    assert result.reasons == ([] if eligible else [f"{rule['op']} failed"])


def test_every_failing_rule_gives_its_reason_in_the_persons_language() -> None:
    result = evaluate(
        EligibilityInput(
            journey_id="j",
            service_id="s",
            language="fr",
            intake=INTAKE,
            as_of=AS_OF,
            rules=rules(
                {"field": "informant.birth_date", "op": "age_at_least", "value": 18},
                {"field": "child.sex", "op": "equals", "value": "M"},
            ),
        )
    )
    assert result.reasons == ["age_at_least échoué", "equals échoué"]


def test_no_rules_means_eligible() -> None:
    result = evaluate(
        EligibilityInput(
            journey_id="j", service_id="s", language="en", rules=None, intake=INTAKE, as_of=AS_OF
        )
    )
    assert result.eligible and result.reasons == []
