"""The demo data, defined once: the people of the demo population registry and a valid intake
for every life event of the catalog (dates relative to today).

The seed puts the people in the population registry; the tests and the benchmark take their
people and intakes from here, so an intake always names someone on record.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class DemoPerson:
    national_id: str
    given_name: str
    family_name: str
    birth_date: date
    # What trying the intake as this person shows.
    shows: str

    def identity(self) -> dict[str, str]:
        """This person as an intake names them (informant, spouse, deceased...)."""
        return {
            "national_id": self.national_id,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "birth_date": self.birth_date.isoformat(),
        }


AMELIE = DemoPerson(
    national_id="123456782",
    given_name="Amélie",
    family_name="Tremblay",
    birth_date=date(1992, 3, 14),
    shows="a parent writing in French; she moves house (change of address)",
)
JORDAN = DemoPerson(
    national_id="234567891",
    given_name="Jordan",
    family_name="Smith",
    birth_date=date(1988, 11, 2),
    shows="a parent registering a birth; Priya's spouse in a marriage",
)
PRIYA = DemoPerson(
    national_id="345678912",
    given_name="Priya",
    family_name="Patel",
    birth_date=date(1979, 6, 30),
    shows="marrying Jordan and taking his name; losing her job",
)
MARC = DemoPerson(
    national_id="456789123",
    given_name="Marc",
    family_name="Gagnon",
    birth_date=date(1958, 1, 20),
    shows="retiring; the spouse who reports Eleanor's death",
)
ELEANOR = DemoPerson(
    national_id="567891234",
    given_name="Eleanor",
    family_name="Brown",
    birth_date=date(1948, 9, 9),
    shows="the deceased of a death (told by Marc, or reported by the registry)",
)
SAM = DemoPerson(
    national_id="678912345",
    given_name="Sam",
    family_name="Young",
    birth_date=date(2011, 5, 5),
    shows="fifteen years old: identity verifies, but the child benefit's age rule is not met",
)
ALEX = DemoPerson(
    national_id="789123456",
    given_name="Alex",
    family_name="Martin",
    birth_date=date(1984, 7, 12),
    shows="leaving the army after 18 years of service",
)
NADIA = DemoPerson(
    national_id="891234567",
    given_name="Nadia",
    family_name="Okafor",
    birth_date=date(1975, 2, 8),
    shows="recovering from a flood that destroyed her home and her papers",
)

# Documented in the README: use these people to try the intake.
DEMO_PEOPLE = (AMELIE, JORDAN, PRIYA, MARC, ELEANOR, SAM, ALEX, NADIA)


def days_ago(days: int) -> str:
    """An intake date ``days`` before today."""
    return (date.today() - timedelta(days=days)).isoformat()


def birth_intake(
    *,
    email: str,
    language: str = "en",
    informant: DemoPerson = JORDAN,
    child_given_name: str = "Noah",
    child_sex: str = "M",
) -> dict[str, Any]:
    """A birth told by a demo parent; the child, born 3 days ago, takes the parent's name."""
    return {
        "informant": informant.identity(),
        "child": {
            "given_name": child_given_name,
            "family_name": informant.family_name,
            "birth_date": days_ago(3),
            "sex": child_sex,
        },
        "contact": {"email": email, "language": language},
    }


def intake_for(life_event: str, email: str) -> dict[str, Any]:
    """A valid intake for a life event of the catalog, told by a demo person, in English."""
    contact = {"email": email, "language": "en"}
    match life_event:
        case "birth":
            return birth_intake(email=email)
        case "death":
            return {
                "informant": {**MARC.identity(), "relationship": "spouse"},
                "deceased": {
                    **ELEANOR.identity(),
                    "date_of_death": days_ago(2),
                    "passport_number": "AB123456",
                },
                "contact": contact,
            }
        case "retirement":
            return {
                "informant": MARC.identity(),
                "retirement": {"last_working_day": days_ago(10), "years_in_country_since_18": 40},
                "contact": contact,
            }
        case "marriage":
            return {
                "informant": PRIYA.identity(),
                "spouse": JORDAN.identity(),
                "marriage": {
                    "date": days_ago(5),
                    "place": "Ottawa",
                    "new_family_name": JORDAN.family_name,
                },
                "contact": contact,
            }
        case "change-of-address":
            return {
                "informant": AMELIE.identity(),
                "new_address": {
                    "street": "12 rue Principale",
                    "city": "Gatineau",
                    "province": "QC",
                    "postal_code": "J8X 1A1",
                    "moving_date": days_ago(1),
                },
                "contact": contact,
            }
        case "job-loss":
            return {
                "informant": PRIYA.identity(),
                "employment": {
                    "employer": "Acme Ltd",
                    "last_day": days_ago(7),
                    "reason": "laid_off",
                    "hours_last_52_weeks": 1600,
                },
                "contact": contact,
            }
        case "leaving-military-service":
            return {
                "informant": ALEX.identity(),
                "military_service": {
                    "service_number": "A12345678",
                    "branch": "army",
                    "release_date": days_ago(14),
                    "release_reason": "end_of_engagement",
                    "years_of_service": 18,
                },
                "contact": contact,
            }
        case "disaster-recovery":
            return {
                "informant": NADIA.identity(),
                "disaster": {"kind": "flood", "date": days_ago(4), "municipality": "Sainte-Marthe"},
                "home": {
                    "street": "8 rue du Rivage",
                    "city": "Sainte-Marthe",
                    "province": "QC",
                    "postal_code": "J0P 1W0",
                    "damage": "destroyed",
                    "evacuated": True,
                    "household_size": 3,
                    "insured": False,
                },
                "lost_documents": {"passport": True, "birth_certificate": True},
                "contact": contact,
            }
    raise KeyError(life_event)
