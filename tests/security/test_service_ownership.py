"""A service id is owned: once an agency registered it, no other agency can take it, not even
after it was deleted (another agency re-registering a deleted mandatory service, such as the
health card, would receive every default birth's data). Its owner can register it again; its
versions then continue."""

from tests.security.inprocess import InProcessApi, api, registration

__all__ = ["api"]


def test_a_deleted_service_id_stays_its_agencys(api: InProcessApi) -> None:
    api.agency("health")
    api.agency("intruder")
    path = "/v1/agencies/health/services"
    created = api.client.post(
        path, json=registration("health.child-health-card"), headers=api.as_agency("health")
    )
    assert created.status_code == 201, created.text
    # While it exists: another agency cannot take it.
    taken = api.client.post(
        "/v1/agencies/intruder/services",
        json=registration("health.child-health-card"),
        headers=api.as_agency("intruder"),
    )
    assert taken.status_code == 409
    deleted = api.client.delete(f"{path}/health.child-health-card", headers=api.as_agency("health"))
    assert deleted.status_code == 204
    # Deleted: still not another agency's.
    again = api.client.post(
        "/v1/agencies/intruder/services",
        json=registration("health.child-health-card"),
        headers=api.as_agency("intruder"),
    )
    assert again.status_code == 409, again.text
    assert "belongs to another agency" in again.json()["detail"]
    catalog = api.client.get("/v1/life-events/birth").json()
    assert "health.child-health-card" not in [s["id"] for s in catalog["services"]]
    # Nor can it be taken by replacing it.
    replaced = api.client.put(
        "/v1/agencies/intruder/services/health.child-health-card",
        json=registration("health.child-health-card"),
        headers=api.as_agency("intruder"),
    )
    assert replaced.status_code == 404


def test_its_owner_registers_it_again_as_a_new_version(api: InProcessApi) -> None:
    api.agency("health")
    path = "/v1/agencies/health/services"
    headers = api.as_agency("health")
    first = registration("health.child-health-card")
    assert api.client.post(path, json=first, headers=headers).json()["version"] == 1
    changed = {**first, "fields": ["child.given_name", "child.birth_date"]}
    updated = api.client.put(f"{path}/health.child-health-card", json=changed, headers=headers)
    assert updated.json()["version"] == 2
    assert api.client.delete(f"{path}/health.child-health-card", headers=headers).status_code == 204
    back = api.client.post(path, json=first, headers=headers)
    assert back.status_code == 201, back.text
    assert (back.json()["agency_id"], back.json()["version"]) == ("health", 3)
    versions = api.client.get(f"{path}/health.child-health-card/versions", headers=headers).json()
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[2]["registration"]["fields"] == ["child.given_name"]
    catalog = api.client.get("/v1/life-events/birth").json()
    assert [(s["id"], s["agency"]) for s in catalog["services"]] == [
        ("health.child-health-card", "health")
    ]
