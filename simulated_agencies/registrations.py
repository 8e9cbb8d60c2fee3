"""How the simulated agencies are registered: the same documents an integrator would POST."""

from lifeevents.registry import AgencyCreate, ServiceRegistration

SOCIAL_INSURANCE_TASK_QUEUE = "agency-social-insurance"
SOCIAL_INSURANCE_ACTIVITY = "social_insurance.issue_child_number"


def demo_agencies() -> list[AgencyCreate]:
    return [
        AgencyCreate(agency_id="vital-statistics", name="Vital Statistics Agency"),
        AgencyCreate(agency_id="revenue", name="Revenue Agency"),
        AgencyCreate(agency_id="social-insurance", name="Social Insurance Agency"),
        AgencyCreate(agency_id="health", name="Provincial Health Plan"),
    ]


def demo_services(agencies_base_url: str) -> dict[str, list[ServiceRegistration]]:
    """Registrations per agency id. ``agencies_base_url`` is where the simulator listens."""
    base = agencies_base_url.rstrip("/")
    child = ["child.given_name", "child.family_name", "child.birth_date", "child.sex"]
    return {
        "vital-statistics": [
            ServiceRegistration.model_validate(
                {
                    "service_id": "vital-statistics.birth-registration",
                    "title": {"en": "Birth registration", "fr": "Enregistrement de la naissance"},
                    "life_events": ["birth"],
                    "fields": [
                        *child,
                        "child.birth_place",
                        "informant.national_id",
                        "informant.given_name",
                        "informant.family_name",
                    ],
                    "delivery": {"mode": "webhook", "url": f"{base}/vital-statistics/births"},
                    "eligibility": {
                        "all": [
                            {
                                "field": "child.birth_date",
                                "op": "within_days",
                                "value": 365,
                                "reason": {
                                    "en": "A birth must be registered within a year; "
                                    "a late registration "
                                    "is made in person with the registrar.",
                                    "fr": "Une naissance doit être enregistrée dans l'année; "
                                    "l'enregistrement tardif se fait en personne.",
                                },
                            }
                        ]
                    },
                    "sla": "P2D",
                    "retry": {"attempt_timeout_seconds": 10},
                }
            )
        ],
        "revenue": [
            ServiceRegistration.model_validate(
                {
                    "service_id": "revenue.child-benefit",
                    "title": {"en": "Child benefit", "fr": "Allocation canadienne pour enfants"},
                    "life_events": ["birth"],
                    "fields": ["child.given_name", "child.birth_date", "informant.national_id"],
                    "delivery": {"mode": "webhook", "url": f"{base}/revenue/child-benefit"},
                    "eligibility": {
                        "all": [
                            {
                                "field": "informant.birth_date",
                                "op": "age_at_least",
                                "value": 16,
                                "reason": {
                                    "en": "The person applying must be at least 16 years old.",
                                    "fr": "La personne qui fait la demande doit avoir "
                                    "au moins 16 ans.",
                                },
                            }
                        ]
                    },
                    "pays": True,
                    "payment": {"amount_cents": 64875, "currency": "CAD"},
                    "sla": "P5D",
                    "retry": {"attempt_timeout_seconds": 10},
                }
            )
        ],
        "social-insurance": [
            ServiceRegistration.model_validate(
                {
                    "service_id": "social-insurance.child-number",
                    "title": {"en": "Social insurance number", "fr": "Numéro d'assurance sociale"},
                    "life_events": ["birth"],
                    "fields": [*child, "informant.national_id"],
                    "delivery": {
                        "mode": "task_queue",
                        "task_queue": SOCIAL_INSURANCE_TASK_QUEUE,
                        "activity": SOCIAL_INSURANCE_ACTIVITY,
                    },
                    "sla": "P5D",
                    "retry": {"attempt_timeout_seconds": 10},
                }
            )
        ],
        "health": [
            ServiceRegistration.model_validate(
                {
                    "service_id": "health.child-health-card",
                    "title": {"en": "Health card", "fr": "Carte santé"},
                    "life_events": ["birth"],
                    "fields": [*child, "informant.national_id", "contact.language"],
                    "delivery": {"mode": "webhook", "url": f"{base}/health/child-health-card"},
                    "sla": "P10D",
                    "retry": {"attempt_timeout_seconds": 10},
                }
            )
        ],
    }
