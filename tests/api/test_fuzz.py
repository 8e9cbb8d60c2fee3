"""The OpenAPI schema, fuzzed (schemathesis, a bounded number of examples per operation): no
request, however malformed, makes the API answer 5xx.

Each operation is fuzzed with every credential that opens it, so that fuzzing gets past
authentication: the operators' token, a demo agency's integrator key (with the path's
``agency_id`` set to that agency), the registries' token, a real journey's token (with the
path's ``journey_id`` set to that journey), and none for the public operations. It runs on a
stack of its own: fuzzing as an integrator rotates and revokes that agency's credentials.

CI runs a few examples per operation; ``make fuzz`` runs ``FUZZ_EXAMPLES`` (200) of each.
"""

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok
from temporalio.testing import WorkflowEnvironment

from tests.support.smtp import SmtpServer
from tests.support.stack import OPERATOR_TOKEN, REGISTRY_TOKEN, Stack, birth_intake

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "12"))
AGENCY = "health"  # a demo agency, and one of its services
SERVICE = "health.child-health-card"
# A dry run waits for the agency's decision; waiting longer than this proves nothing more.
DRY_RUN_WAIT_SECONDS = 3


@pytest.fixture(scope="module")
def fuzz_stack(
    temporal_env: WorkflowEnvironment, smtp: SmtpServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    stack = Stack(
        temporal_address=temporal_env.client.service_client.config.target_host,
        smtp_port=smtp.port,
        folder=Path(tmp_path_factory.mktemp("fuzz-stack")),
    ).start()
    yield stack
    stack.stop()


# Operators' actions, delivery logs and assisted intakes: under a journey's or an agency's path,
# yet for operators only.
OPERATORS_ONLY = (
    "/resolve-escalation",
    "/resubmit",
    "/resend-message",
    "/extend-deadline",
    "/deliveries",
    "/delivery-rates",
    "/assisted-intakes",
)


class Credentials:
    """Who may call what, and each one's headers; an integrator key the fuzzer revoked or let
    expire is replaced (by an operator) rather than fuzzing on with a dead one."""

    def __init__(self, stack: Stack, journey_id: str, revocable_journey_id: str) -> None:
        self.stack = stack
        self.journey_id = journey_id
        self.revocable_journey_id = revocable_journey_id
        self.agency_key = stack.agency_key(AGENCY)
        self.rekeyed = 0

    def roles(self, path: str) -> list[str]:
        if any(part in path for part in OPERATORS_ONLY):
            return ["operator"]
        if path.startswith("/v1/agencies/{agency_id}"):
            return ["integrator"]
        if path.startswith("/v1/journeys/{journey_id}"):
            return ["citizen", "operator"]
        if path.startswith(("/v1/registry-events",)):
            return ["registry"]
        if path.startswith(("/v1/agencies", "/v1/journeys", "/codec")):
            return ["operator"]
        return ["anonymous"]  # public, or authenticated otherwise (signed callbacks)

    def headers(self, role: str, path_journey: str | None = None) -> dict[str, str]:
        token = {
            "operator": OPERATOR_TOKEN,
            "integrator": self.agency_key,
            "registry": REGISTRY_TOKEN,
            "citizen": self.stack.tokens.get(self.journey_id, ""),
        }.get(role)
        if role == "citizen" and path_journey == self.revocable_journey_id:
            token = self.stack.tokens.get(self.revocable_journey_id, "")
        if token is None:
            return {}
        headers = {"Authorization": f"Bearer {token}"}
        if role == "operator":
            headers["X-Access-Reason"] = "fuzzing"
        return headers

    def rekey(self) -> None:
        with self.stack.operator() as client:
            response = client.post(f"/v1/agencies/{AGENCY}/keys", json={})
        assert response.status_code == 201, response.text
        self.agency_key = response.json()["api_key"]
        self.rekeyed += 1


def _aim(case: Any, role: str, credentials: Credentials, real_service: bool) -> None:
    """Point the case at what the credential opens (its agency, its journey)."""
    if role == "integrator":
        case.path_parameters["agency_id"] = AGENCY
        # Sometimes a real service, so that dry runs and reads get past "no such service";
        # never for what would delete or change it.
        if real_service and case.method in ("GET", "POST") and "service_id" in case.path:
            if not case.path.endswith(("/disable", "/enable")):
                case.path_parameters["service_id"] = SERVICE
        if case.path.endswith("/dry-run") and isinstance(case.body, dict):
            wait = case.body.get("timeout_seconds")
            if isinstance(wait, int | float) and 0 < wait <= 300:
                case.body["timeout_seconds"] = min(wait, DRY_RUN_WAIT_SECONDS)
    if role in ("citizen", "operator") and "journey_id" in case.path_parameters:
        case.path_parameters["journey_id"] = credentials.journey_id
        if case.path.endswith("/tokens/revoke"):
            # Revoking would shut the citizen out of the rest: revoke another journey's tokens.
            case.path_parameters["journey_id"] = credentials.revocable_journey_id


def test_no_request_makes_a_server_error(fuzz_stack: Stack) -> None:
    stack = fuzz_stack
    journey_id = stack.submit(birth_intake(email="fuzzed@example.org"))
    revocable = stack.submit(birth_intake(email="fuzzed-revoked@example.org"))
    credentials = Credentials(stack, journey_id, revocable)
    spec = httpx.get(f"{stack.api_url}/openapi.json").json()
    schema = schemathesis.openapi.from_dict(spec)
    failures: list[str] = []
    calls: Counter[str] = Counter()
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    assert len(operations) >= 25

    def fuzz(operation: Any, role: str) -> None:
        @given(case=operation.as_strategy(), real_service=st.booleans())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any, real_service: bool) -> None:
            _aim(case, role, credentials, real_service)
            headers = credentials.headers(role, case.path_parameters.get("journey_id"))
            response = case.call(base_url=stack.api_url, headers=headers, timeout=30)
            if role == "integrator" and response.status_code == 401:
                credentials.rekey()  # the fuzzer rotated or revoked the key in use
                response = case.call(
                    base_url=stack.api_url, headers=credentials.headers(role), timeout=30
                )
            calls[role] += 1
            revoked = case.path.endswith("/tokens/revoke")  # 401 after the first: as designed
            if response.status_code == 401 and role != "anonymous" and not revoked:
                calls[f"{role} refused"] += 1
            if response.status_code >= 500 and not _dry_run_timed_out(case, response):
                failures.append(
                    f"{role} {case.method} {case.formatted_path}: "
                    f"{response.status_code} {response.text[:200]}"
                )

        check()

    for operation in operations:
        for role in credentials.roles(operation.path):
            fuzz(operation, role)
    assert failures == []
    # Really fuzzed, not skipped; and past authentication, as each role.
    assert sum(calls[role] for role in ("operator", "integrator", "registry", "citizen")) >= (
        3 * len(operations)
    )
    for role in ("operator", "integrator", "registry", "citizen"):
        assert calls[role] >= EXAMPLES_PER_OPERATION // 2, calls
        assert calls[f"{role} refused"] <= calls[role] // 10, calls


def _dry_run_timed_out(case: Any, response: Any) -> bool:
    """A 504 is a dry run's documented answer when the agency's decision takes longer than the
    caller said it would wait."""
    if response.status_code != 504 or not case.path.endswith("/dry-run"):
        return False
    detail = response.json().get("detail")
    return isinstance(detail, str) and detail.startswith("No decision within")
