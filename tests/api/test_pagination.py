"""Every listing pages with an opaque cursor: a bounded limit, the next page's URL in the Link
header (and next_cursor for journeys, backed by Temporal's page token), and a cursor that was
altered, or taken from another listing or other filters, refused with a 422 on `cursor`."""

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.security.inprocess import InProcessApi, api, registration
from tests.support.stack import Stack, birth_intake
from tests.support.waiting import wait_for

__all__ = ["api"]


def follow(client: TestClient | httpx.Client, url: str, headers: dict[str, str]) -> list[Any]:
    """Every item of a listing, a page at a time through its Link headers."""
    items: list[Any] = []
    pages = 0
    next_url: str | None = url
    while next_url is not None:
        response = client.get(next_url, headers=headers)
        assert response.status_code == 200, response.text
        items.extend(response.json())
        pages += 1
        link = re.fullmatch(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
        next_url = link.group(1) if link else None
        assert pages < 50
    return items


def test_agency_listings_page_through_everything_once(api: InProcessApi) -> None:
    api.agency("pager")
    headers = api.as_agency("pager")
    for number in range(5):
        service = registration(f"pager.service-{number}")
        assert api.client.post("/v1/agencies/pager/services", json=service, headers=headers)
        assert api.client.post("/v1/agencies/pager/keys", json={}, headers=headers)
        assert api.client.post("/v1/agencies/pager/webhook-secrets", json={}, headers=headers)
        assert api.client.put(
            "/v1/agencies/pager/services/pager.service-0",
            json=registration("pager.service-0", title={"en": f"v{number}", "fr": "v"}),
            headers=headers,
        )
    for url, key, count in (
        ("/v1/agencies/pager/services", "service_id", 5),
        ("/v1/agencies/pager/keys", "id", 6),
        ("/v1/agencies/pager/webhook-secrets", "id", 6),
        ("/v1/agencies/pager/services/pager.service-0/versions", "version", 6),
    ):
        everything = api.client.get(url, headers=headers).json()
        assert len(everything) == count, url
        paged = follow(api.client, f"{url}?limit=2", headers)
        assert [item[key] for item in paged] == [item[key] for item in everything], url
        last_page = api.client.get(f"{url}?limit={count}", headers=headers)
        assert "link" not in last_page.headers


def test_a_cursor_opens_its_own_listing_only(api: InProcessApi) -> None:
    for agency in ("left", "right"):
        api.agency(agency)
        for _ in range(2):
            api.client.post(f"/v1/agencies/{agency}/keys", json={}, headers=api.as_agency(agency))
    page = api.client.get("/v1/agencies/left/keys?limit=1", headers=api.as_agency("left"))
    cursor = re.search(r"cursor=([^&>]+)", page.headers["link"])
    assert cursor is not None
    for url, agency in (
        (f"/v1/agencies/right/keys?cursor={cursor.group(1)}", "right"),  # another agency's
        (f"/v1/agencies/left/webhook-secrets?cursor={cursor.group(1)}", "left"),  # another list
        ("/v1/agencies/left/keys?cursor=not-a-cursor", "left"),
        (f"/v1/agencies/left/keys?cursor=x{cursor.group(1)}", "left"),  # altered
        ("/v1/agencies/left/keys?cursor=e30.AAAA", "left"),  # "{}" with a forged signature
    ):
        refused = api.client.get(url, headers=api.as_agency(agency))
        assert refused.status_code == 422, (url, refused.text)
        assert refused.json()["errors"][0]["loc"] == ["query", "cursor"]
    too_many = api.client.get("/v1/agencies/left/keys?limit=1001", headers=api.as_agency("left"))
    assert too_many.status_code == 422


def test_journeys_page_with_temporals_token_and_the_access_log_pages(stack: Stack) -> None:
    submitted = {stack.submit(birth_intake(email=f"paged-{n}@example.org")) for n in range(3)}
    with stack.operator() as operator:
        # Visibility lags a start by a moment: page once all three are listed.
        def listed() -> set[str]:
            everyone = operator.get("/v1/journeys", params={"life_event": "birth", "limit": 1000})
            return {journey["journey_id"] for journey in everyone.json()["journeys"]}

        wait_for("the new journeys in visibility", lambda: submitted <= listed(), every=0.2)
        first = operator.get("/v1/journeys", params={"life_event": "birth", "limit": 2})
        assert first.status_code == 200, first.text
        page = first.json()
        assert len(page["journeys"]) == 2 and page["next_cursor"]
        assert f"cursor={page['next_cursor']}" in first.headers["link"]
        seen = [journey["journey_id"] for journey in page["journeys"]]
        while page["next_cursor"]:
            answer = operator.get(
                "/v1/journeys",
                params={"life_event": "birth", "limit": 2, "cursor": page["next_cursor"]},
            )
            assert answer.status_code == 200, answer.text
            page = answer.json()
            seen += [journey["journey_id"] for journey in page["journeys"]]
        assert len(seen) == len(set(seen)) and submitted <= set(seen)
        # The cursor holds its filters: with others it is refused, as is a made-up one.
        cursor = first.json()["next_cursor"]
        for params in ({"life_event": "death", "cursor": cursor}, {"cursor": "bm9wZQ.AAAA"}):
            refused = operator.get("/v1/journeys", params=params)
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["loc"] == ["query", "cursor"]

    journey_id = sorted(submitted)[0]
    stack.wait_until_done(journey_id)  # every agency received its part: the log has entries
    with stack.citizen(journey_id) as citizen:
        everything = citizen.get(f"/v1/journeys/{journey_id}/access-log").json()
        token = citizen.headers["authorization"]
        paged = follow(
            citizen, f"/v1/journeys/{journey_id}/access-log?limit=1", {"Authorization": token}
        )
    assert len(everything) >= 2
    assert paged[: len(everything)] == everything
