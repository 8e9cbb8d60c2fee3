"""An agency registers at most MAX_SERVICES_PER_AGENCY services, and the anonymous catalog
stays cheap however many are registered: the number of SQL statements a catalog request makes
does not grow with the registrations (bench/catalog.py times it)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session

from core.db import get_engine
from core.registry import AgencyCreate, ServiceRegistration, create_agency, upsert_service
from core.settings import get_settings
from tests.security.inprocess import InProcessApi, api, registration

__all__ = ["api"]


def test_registrations_beyond_the_quota_are_refused(
    api: InProcessApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_SERVICES_PER_AGENCY", "3")
    get_settings.cache_clear()
    api.agency("harbour")
    headers = api.as_agency("harbour")
    path = "/v1/agencies/harbour/services"
    for n in range(3):
        response = api.client.post(path, json=registration(f"harbour.s{n}"), headers=headers)
        assert response.status_code == 201, response.text
    # A disabled service still counts.
    assert api.client.post(f"{path}/harbour.s0/disable", headers=headers).status_code == 200
    refused = api.client.post(path, json=registration("harbour.s3"), headers=headers)
    assert refused.status_code == 409
    assert "at most 3 services" in refused.json()["detail"]
    assert "MAX_SERVICES_PER_AGENCY" in refused.json()["detail"]
    # Changing one of them is not a new one.
    changed = registration("harbour.s1", fields=["child.birth_date"])
    assert api.client.put(f"{path}/harbour.s1", json=changed, headers=headers).status_code == 200
    # A deleted one frees its place.
    assert api.client.delete(f"{path}/harbour.s2", headers=headers).status_code == 204
    back = api.client.post(path, json=registration("harbour.s3"), headers=headers)
    assert back.status_code == 201


def test_the_quota_defaults_to_50() -> None:
    assert get_settings().max_services_per_agency == 50


def seed(agencies: range, services_each: int) -> None:
    with Session(get_engine()) as session:
        for a in agencies:
            create_agency(session=session, agency=AgencyCreate(agency_id=f"a{a}", name=f"A{a}"))
            for s in range(services_each):
                upsert_service(
                    session=session,
                    agency_id=f"a{a}",
                    registration=ServiceRegistration.model_validate(
                        registration(
                            f"a{a}.s{s}", life_events=["birth", "death"] if s % 2 else ["birth"]
                        )
                    ),
                )


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def catalog_statements(api: InProcessApi) -> tuple[int, int, int]:
    api.client.get("/v1/life-events")  # the first read after a change parses the registrations
    with statements() as listing:
        catalog = api.client.get("/v1/life-events")
    with statements() as one:
        birth = api.client.get("/v1/life-events/birth")
    assert catalog.status_code == birth.status_code == 200
    return len(listing), len(one), len(birth.json()["services"])


def test_catalog_statements_do_not_grow_with_registrations(api: InProcessApi) -> None:
    seed(range(2), 3)
    few_listing, few_one, few_services = catalog_statements(api)
    seed(range(2, 40), 5)
    many_listing, many_one, many_services = catalog_statements(api)
    assert (few_services, many_services) == (6, 6 + 38 * 5)
    assert (many_listing, many_one) == (few_listing, few_one)


def test_the_catalog_follows_every_change(api: InProcessApi) -> None:
    api.agency("harbour")
    headers = api.as_agency("harbour")
    path = "/v1/agencies/harbour/services"

    def birth() -> list[tuple[str, Any]]:
        services = api.client.get("/v1/life-events/birth").json()["services"]
        return [(s["id"], s["title"]["en"]) for s in services]

    assert birth() == []
    api.client.post(path, json=registration("harbour.notice"), headers=headers)
    assert birth() == [("harbour.notice", "harbour.notice")]
    renamed = registration("harbour.notice", title={"en": "Notice", "fr": "Avis"})
    api.client.put(f"{path}/harbour.notice", json=renamed, headers=headers)
    assert birth() == [("harbour.notice", "Notice")]
    api.client.post(f"{path}/harbour.notice/disable", headers=headers)
    assert birth() == []
    api.client.post(f"{path}/harbour.notice/enable", headers=headers)
    assert birth() == [("harbour.notice", "Notice")]
    api.client.delete(f"{path}/harbour.notice", headers=headers)
    assert birth() == []
