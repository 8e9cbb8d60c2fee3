"""Service registrations carry an ETag, and changes take If-Match: two integrators editing one
service cannot overwrite each other; the stale one gets 412 and nothing changes."""

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from api.problems import PROBLEM_JSON
from tests.security.inprocess import InProcessApi, api, in_process_api, registration
from tests.support.postgres import PostgresCluster

__all__ = ["api"]
SERVICE = "/v1/agencies/harbour/services/harbour.berth"


def registered(api: InProcessApi) -> str:
    api.agency("harbour")
    created = api.client.post(
        "/v1/agencies/harbour/services",
        json=registration("harbour.berth"),
        headers=api.as_agency("harbour"),
    )
    assert created.status_code == 201, created.text
    etag: str = created.headers["etag"]
    assert etag == api.client.get(SERVICE, headers=api.as_agency("harbour")).headers["etag"]
    return etag


def titled(title: str) -> dict[str, Any]:
    return registration("harbour.berth", title={"en": title, "fr": title})


def test_the_second_of_two_integrators_gets_412_and_overwrites_nothing(api: InProcessApi) -> None:
    read_by_both = registered(api)
    first = api.client.put(
        SERVICE,
        json=titled("First"),
        headers={**api.as_agency("harbour"), "If-Match": read_by_both},
    )
    assert first.status_code == 200, first.text
    assert first.headers["etag"] != read_by_both
    second = api.client.put(
        SERVICE,
        json=titled("Second"),
        headers={**api.as_agency("harbour"), "If-Match": read_by_both},
    )
    assert second.status_code == 412, second.text
    assert second.headers["content-type"] == PROBLEM_JSON
    assert second.json()["type"] == "urn:lifeevents:problem:stale-registration"
    assert second.headers["etag"] == first.headers["etag"]  # what to read again
    now = api.client.get(SERVICE, headers=api.as_agency("harbour"))
    assert now.json()["title"]["en"] == "First" and now.json()["version"] == 2
    versions = api.client.get(f"{SERVICE}/versions", headers=api.as_agency("harbour"))
    assert [v["version"] for v in versions.json()] == [1, 2]
    # Disabling and deleting with the stale tag are refused too; with the current one they work.
    for method, path in (("POST", f"{SERVICE}/disable"), ("DELETE", SERVICE)):
        stale = api.client.request(
            method, path, headers={**api.as_agency("harbour"), "If-Match": read_by_both}
        )
        assert stale.status_code == 412, (method, stale.text)
    assert api.client.get(SERVICE, headers=api.as_agency("harbour")).json()["active"] is True
    deleted = api.client.delete(
        SERVICE, headers={**api.as_agency("harbour"), "If-Match": now.headers["etag"]}
    )
    assert deleted.status_code == 204


def test_if_match_compares_strongly_and_is_optional(api: InProcessApi) -> None:
    etag = registered(api)
    headers = api.as_agency("harbour")
    weak = api.client.put(
        SERVICE, json=titled("Weak"), headers={**headers, "If-Match": f"W/{etag}"}
    )
    assert weak.status_code == 412
    listed = api.client.put(
        SERVICE, json=titled("Listed"), headers={**headers, "If-Match": f'"other", {etag}'}
    )
    assert listed.status_code == 200
    anything = api.client.post(f"{SERVICE}/disable", headers={**headers, "If-Match": "*"})
    assert anything.status_code == 200 and anything.json()["active"] is False
    assert anything.headers["etag"] != listed.headers["etag"]
    # Without If-Match the last write wins, as before (documented: send it when you can).
    assert api.client.post(f"{SERVICE}/enable", headers=headers).status_code == 200


def titling_put(api: InProcessApi) -> Any:
    """A PUT of a new title with the given headers: its status and ETag (for threads)."""

    def put(title: str, headers: dict[str, str]) -> tuple[int, str]:
        answer = api.client.put(SERVICE, json=titled(title), headers=headers)
        return answer.status_code, answer.headers.get("etag", "")

    return put


@pytest.fixture
def pg_api(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    temporal_env: WorkflowEnvironment,
    postgres: PostgresCluster,
) -> Iterator[InProcessApi]:
    """The in-process API on a PostgreSQL database of its own (row locks, READ COMMITTED)."""
    database = postgres.new_database(f"etags_{uuid.uuid4().hex[:12]}")
    with in_process_api(database, tmp_path, monkeypatch, temporal_env) as api:
        yield api


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_concurrent_changes_with_one_etag_let_exactly_one_through(
    database: str, request: pytest.FixtureRequest
) -> None:
    api: InProcessApi = request.getfixturevalue("api" if database == "sqlite" else "pg_api")
    etag = registered(api)
    put = titling_put(api)
    writers = 6
    for round_ in range(1, 4):
        headers = {**api.as_agency("harbour"), "If-Match": etag}

        with ThreadPoolExecutor(writers) as pool:
            titles = [f"{round_}-{n}" for n in range(writers)]
            answers = list(pool.map(put, titles, [headers] * writers))
        assert sorted(status for status, _ in answers) == [200] + [412] * (writers - 1)
        [etag] = [tag for status, tag in answers if status == 200]
    versions = api.client.get(f"{SERVICE}/versions", headers=api.as_agency("harbour")).json()
    assert [v["version"] for v in versions] == [1, 2, 3, 4]
