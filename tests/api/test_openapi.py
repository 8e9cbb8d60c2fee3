"""The whole API is described, with examples an integrator can build a client from."""

import json
import re
from typing import Any

import httpx
import pytest

from core.settings import get_settings
from server.app import create_app
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


# What a generated client calls each operation: the contract, pinned. Renaming a route function
# renames a client's method: change this list knowingly.
OPERATION_IDS = {
    ("GET", "/v1/life-events"): "list_life_events",
    ("GET", "/v1/life-events/{life_event}"): "get_life_event",
    ("POST", "/v1/life-events/{life_event}/intakes"): "submit_intake",
    ("POST", "/v1/life-events/{life_event}/assisted-intakes"): "submit_assisted_intake",
    ("GET", "/v1/journeys"): "list_journeys",
    ("GET", "/v1/journeys/{journey_id}"): "get_journey",
    ("POST", "/v1/journeys/{journey_id}/consents"): "give_consent",
    ("POST", "/v1/journeys/{journey_id}/information"): "provide_information",
    ("POST", "/v1/journeys/{journey_id}/confirmation"): "confirm_journey",
    ("POST", "/v1/journeys/{journey_id}/cancel"): "cancel_journey",
    ("GET", "/v1/journeys/{journey_id}/access-log"): "get_access_log",
    ("POST", "/v1/journeys/{journey_id}/tokens/revoke"): "revoke_journey_tokens",
    ("POST", "/v1/journeys/{journey_id}/link"): "request_journey_link",
    ("POST", "/v1/journeys/{journey_id}/feedback"): "give_feedback",
    ("POST", "/v1/journeys/{journey_id}/resolve-escalation"): "resolve_escalation",
    ("POST", "/v1/journeys/{journey_id}/resubmit"): "resubmit_step",
    ("POST", "/v1/journeys/{journey_id}/resend-message"): "resend_message",
    ("POST", "/v1/journeys/{journey_id}/extend-deadline"): "extend_deadline",
    ("POST", "/v1/journeys/bulk-actions/preview"): "preview_bulk_action",
    ("POST", "/v1/journeys/bulk-actions"): "execute_bulk_action",
    ("GET", "/v1/agencies/{agency_id}/services/{service_id}/deliveries"): "list_deliveries",
    ("GET", "/v1/agencies/{agency_id}/services/{service_id}/delivery-rates"): "get_delivery_rates",
    (
        "POST",
        "/v1/agencies/{agency_id}/services/{service_id}/deliveries/{delivery_id}/resend",
    ): "resend_delivery",
    ("GET", "/v1/feedback/summary"): "get_feedback_summary",
    ("GET", "/v1/reports/cx"): "get_cx_report",
    ("GET", "/v1/reports/equity"): "get_equity_report",
    ("GET", "/v1/reports/time-tax"): "get_time_tax_report",
    ("GET", "/v1/journeys/{journey_id}/time-tax"): "get_journey_time_tax",
    ("GET", "/v1/performance"): "get_performance",
    ("POST", "/v1/agency-callbacks/{callback_id}"): "agency_callback",
    ("POST", "/v1/agencies"): "create_agency",
    ("POST", "/v1/agencies/{agency_id}/keys"): "rotate_agency_key",
    ("GET", "/v1/agencies/{agency_id}/keys"): "list_agency_keys",
    ("DELETE", "/v1/agencies/{agency_id}/keys/{key_id}"): "revoke_agency_key",
    ("POST", "/v1/agencies/{agency_id}/webhook-secrets"): "rotate_webhook_secret",
    ("GET", "/v1/agencies/{agency_id}/webhook-secrets"): "list_webhook_secrets",
    ("DELETE", "/v1/agencies/{agency_id}/webhook-secrets/{secret_id}"): "revoke_webhook_secret",
    ("POST", "/v1/agencies/{agency_id}/services"): "register_service",
    ("GET", "/v1/agencies/{agency_id}/services"): "list_services",
    ("GET", "/v1/agencies/{agency_id}/services/{service_id}"): "get_service",
    ("PUT", "/v1/agencies/{agency_id}/services/{service_id}"): "update_service",
    ("DELETE", "/v1/agencies/{agency_id}/services/{service_id}"): "delete_service",
    ("GET", "/v1/agencies/{agency_id}/services/{service_id}/versions"): "list_service_versions",
    ("POST", "/v1/agencies/{agency_id}/services/{service_id}/disable"): "disable_service",
    ("POST", "/v1/agencies/{agency_id}/services/{service_id}/enable"): "enable_service",
    ("POST", "/v1/agencies/{agency_id}/services/{service_id}/dry-run"): "dry_run_service",
    ("POST", "/v1/registry-events"): "report_registry_event",
    ("POST", "/codec/encode"): "encode_payloads",
    ("POST", "/codec/decode"): "decode_payloads",
    ("GET", "/healthz"): "check_liveness",
    ("GET", "/readyz"): "check_readiness",
}
# Operations with a path parameter that never answer 404: the same 202 for any journey; an
# agency's own collection (a key opens its own agency's, any other is 403).
NEVER_404 = {
    ("POST", "/v1/journeys/{journey_id}/link"),
    ("POST", "/v1/agencies/{agency_id}/services"),
    ("GET", "/v1/agencies/{agency_id}/services"),
}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    }


def test_operation_ids_are_explicit_stable_snake_case_and_unique(stack: Stack) -> None:
    spec = httpx.get(f"{stack.api_url}/openapi.json").json()
    ids = {key: operation["operationId"] for key, operation in _operations(spec).items()}
    assert ids == OPERATION_IDS
    webhook_ids = [op["operationId"] for ops in spec["webhooks"].values() for op in ops.values()]
    every = [*ids.values(), *webhook_ids]
    assert len(every) == len(set(every))
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name) for name in every), every
    assert all(operation.get("tags") for operation in _operations(spec).values())
    assert {tag["name"] for tag in spec["tags"]} >= {"citizens", "journeys", "integrators"}


def test_every_credential_is_its_own_scheme_and_every_operation_says_which(stack: Stack) -> None:
    spec = httpx.get(f"{stack.api_url}/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert set(schemes) == {
        "journeyToken",
        "oidc",
        "operatorToken",
        "agencyKey",
        "registryToken",
        "agencySignature",
    }
    operations = _operations(spec)

    def security(method: str, path: str) -> set[str]:
        requirements = operations[(method, path)].get("security", [])
        return {name for requirement in requirements for name in requirement} | (
            {"(none)"} if {} in requirements else set()
        )

    assert security("GET", "/v1/journeys/{journey_id}") == {
        "journeyToken",
        "oidc",
        "operatorToken",
    }
    assert security("GET", "/v1/journeys") == {"operatorToken", "oidc"}
    assert security("POST", "/v1/agencies/{agency_id}/services") == {"agencyKey"}
    assert security("POST", "/v1/agencies/{agency_id}/keys") == {
        "agencyKey",
        "operatorToken",
        "oidc",
    }
    assert security("POST", "/v1/registry-events") == {"registryToken"}
    assert security("POST", "/v1/agency-callbacks/{callback_id}") == {"agencySignature"}
    assert security("POST", "/v1/life-events/{life_event}/intakes") == {"oidc", "(none)"}
    assert security("GET", "/v1/life-events") == set()
    for codec in ("/codec/encode", "/codec/decode"):
        assert security("POST", codec) == {"operatorToken", "oidc"}
        assert operations[("POST", codec)]["tags"] == ["operators"]
        assert operations[("POST", codec)]["description"].startswith("Operators only")


def test_every_error_answer_is_documented_as_a_problem(stack: Stack) -> None:
    spec = httpx.get(f"{stack.api_url}/openapi.json").json()
    assert "Problem" in spec["components"]["schemas"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for (method, path), operation in _operations(spec).items():
        answers = operation["responses"]
        where = (method, path)
        for code, answer in answers.items():
            if int(code) >= 400:
                assert answer["content"] == PROBLEM, (where, code)
        requirements = operation.get("security", [])
        if requirements and {} not in requirements:
            assert "401" in answers, where
        if {"agencyKey", "journeyToken"} & {name for r in requirements for name in r}:
            assert "403" in answers, where
        if "{" in path and where not in NEVER_404:
            assert "404" in answers, where
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in answers, where
        assert "500" in answers, where
    operations = _operations(spec)
    assert "429" in operations[("POST", "/v1/life-events/{life_event}/intakes")]["responses"]
    assert "409" in operations[("POST", "/v1/agencies/{agency_id}/services")]["responses"]
    update = operations[("PUT", "/v1/agencies/{agency_id}/services/{service_id}")]
    assert "412" in update["responses"] and "ETag" in update["responses"]["200"]["headers"]
    assert any(p["name"] == "If-Match" for p in update["parameters"])
    listing = operations[("GET", "/v1/journeys")]
    assert {"cursor", "limit"} <= {p["name"] for p in listing["parameters"]}
    assert "Link" in listing["responses"]["200"]["headers"]
    events = operations[("POST", "/v1/registry-events")]
    assert {"ce-id", "ce-source", "ce-type", "ce-specversion"} <= {
        p["name"] for p in events["parameters"]
    }


def test_webhooks_describe_what_agencies_receive(stack: Stack) -> None:
    spec = httpx.get(f"{stack.api_url}/openapi.json").json()
    request = spec["webhooks"]["agency-request"]["post"]
    body = request["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AgencyRequest"}
    required = set(spec["components"]["schemas"]["AgencyRequest"]["required"])
    assert {"journey_id", "service_id", "life_event", "step_id", "data", "callback_url"} <= required
    signed = {"webhook-id", "webhook-timestamp", "webhook-signature", "Idempotency-Key"}
    assert signed <= {p["name"] for p in request["parameters"]}
    assert "AgencyDecision" in json.dumps(request["responses"]["200"])
    withdrawal = spec["webhooks"]["agency-withdrawal"]["post"]
    assert signed <= {p["name"] for p in withdrawal["parameters"]}
    notice = spec["components"]["schemas"]["WithdrawalNotice"]
    assert {"journey_id", "service_id", "idempotency_key"} <= set(notice["properties"])


def test_with_an_issuer_the_oidc_scheme_is_openid_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OIDC_ISSUER", "https://login.example.org/realms/gov/")
    monkeypatch.setenv("OIDC_AUDIENCE", "lifeevents")
    get_settings.cache_clear()
    try:
        spec = create_app().openapi()
    finally:
        get_settings.cache_clear()
    assert spec["components"]["securitySchemes"]["oidc"] == {
        "type": "openIdConnect",
        "openIdConnectUrl": "https://login.example.org/realms/gov/.well-known/openid-configuration",
        "description": spec["components"]["securitySchemes"]["oidc"]["description"],
    }
