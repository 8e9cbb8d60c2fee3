"""The OpenAPI schema, fuzzed (schemathesis, a bounded number of examples per operation): no
request, however malformed, makes the API answer 5xx."""

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from tests.support.stack import OPERATOR_TOKEN, Stack

EXAMPLES_PER_OPERATION = 12


def test_no_request_makes_a_server_error(stack: Stack) -> None:
    spec = httpx.get(f"{stack.api_url}/openapi.json").json()
    schema = schemathesis.openapi.from_dict(spec)
    # As an operator (with a reason), so that fuzzing gets past authentication.
    headers = {"Authorization": f"Bearer {OPERATOR_TOKEN}", "X-Access-Reason": "fuzzing"}
    failures: list[str] = []
    calls: list[int] = []
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    assert len(operations) >= 25

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            response = case.call(base_url=stack.api_url, headers=headers, timeout=30)
            calls.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.text[:200]}")

        check()
    assert failures == []
    assert len(calls) >= 3 * len(operations)  # really fuzzed, not skipped
