"""The whole API is described, with examples an integrator can build a client from."""

from typing import Any

import httpx

from tests.support.stack import Stack


def _has_example(operation: dict[str, Any], components: dict[str, Any]) -> bool:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    if "example" in content or "examples" in content:
        return True
    schema = content.get("schema", {})
    for candidate in (schema, *schema.get("anyOf", [])):
        ref = candidate.get("$ref")
        if ref:
            candidate = components[ref.rsplit("/", 1)[1]]
        if "examples" in candidate or "example" in candidate:
            return True
    return False


def test_every_operation_is_documented_and_every_body_has_an_example(stack: Stack) -> None:
    spec = httpx.get(f"{stack.api_url}/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    components = spec["components"]["schemas"]
    missing: list[str] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), (method, path)
            if "requestBody" in operation and not _has_example(operation, components):
                missing.append(f"{method.upper()} {path}")
    assert missing == []
    expected = {
        "/v1/life-events/{life_event}/intakes",
        "/v1/journeys/{journey_id}",
        "/v1/agencies",
        "/v1/agencies/{agency_id}/services",
        "/v1/agencies/{agency_id}/services/{service_id}/dry-run",
        "/v1/agency-callbacks/{callback_id}",
        "/v1/registry-events",
    }
    assert expected <= set(spec["paths"])
