"""Request examples the OpenAPI document shows (and the models that describe them reuse)."""

from typing import Any

INTAKE_EXAMPLES: dict[str, Any] = {
    "birth": {
        "summary": "A birth (each intake schema is at GET /v1/life-events/{type})",
        "value": {
            "informant": {
                "national_id": "123456782",
                "given_name": "Amélie",
                "family_name": "Tremblay",
                "birth_date": "1992-03-14",
            },
            "child": {
                "given_name": "Léa",
                "family_name": "Tremblay",
                "birth_date": "2026-11-22",
                "sex": "F",
            },
            "contact": {"email": "amelie@example.org", "language": "fr"},
            "consents": [
                "vital-statistics.birth-registration",
                "revenue.child-benefit",
                "social-insurance.child-number",
                "health.child-health-card",
            ],
        },
    }
}
