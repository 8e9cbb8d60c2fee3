"""A valid intake for every life event of the catalog, with dates relative to today."""

from datetime import date, timedelta
from typing import Any


def _days_ago(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


MARC = {
    "national_id": "456789123",
    "given_name": "Marc",
    "family_name": "Gagnon",
    "birth_date": "1958-01-20",
}
PRIYA = {
    "national_id": "345678912",
    "given_name": "Priya",
    "family_name": "Patel",
    "birth_date": "1979-06-30",
}
AMELIE = {
    "national_id": "123456782",
    "given_name": "Amélie",
    "family_name": "Tremblay",
    "birth_date": "1992-03-14",
}


def intake_for(life_event: str, email: str) -> dict[str, Any]:
    contact = {"email": email, "language": "en"}
    match life_event:
        case "birth":
            return {
                "informant": {
                    "national_id": "234567891",
                    "given_name": "Jordan",
                    "family_name": "Smith",
                    "birth_date": "1988-11-02",
                },
                "child": {
                    "given_name": "Noah",
                    "family_name": "Smith",
                    "birth_date": _days_ago(3),
                    "sex": "M",
                },
                "contact": contact,
            }
        case "death":
            return {
                "informant": {**MARC, "relationship": "spouse"},
                "deceased": {
                    "national_id": "567891234",
                    "given_name": "Eleanor",
                    "family_name": "Brown",
                    "birth_date": "1948-09-09",
                    "date_of_death": _days_ago(2),
                    "passport_number": "AB123456",
                },
                "contact": contact,
            }
        case "retirement":
            return {
                "informant": MARC,
                "retirement": {"last_working_day": _days_ago(10), "years_in_country_since_18": 40},
                "contact": contact,
            }
        case "marriage":
            return {
                "informant": PRIYA,
                "spouse": {
                    "national_id": "234567891",
                    "given_name": "Jordan",
                    "family_name": "Smith",
                    "birth_date": "1988-11-02",
                },
                "marriage": {"date": _days_ago(5), "place": "Ottawa", "new_family_name": "Smith"},
                "contact": contact,
            }
        case "change-of-address":
            return {
                "informant": AMELIE,
                "new_address": {
                    "street": "12 rue Principale",
                    "city": "Gatineau",
                    "province": "QC",
                    "postal_code": "J8X 1A1",
                    "moving_date": _days_ago(1),
                },
                "contact": contact,
            }
        case "job-loss":
            return {
                "informant": PRIYA,
                "employment": {
                    "employer": "Acme Ltd",
                    "last_day": _days_ago(7),
                    "reason": "laid_off",
                    "hours_last_52_weeks": 1600,
                },
                "contact": contact,
            }
    raise KeyError(life_event)
