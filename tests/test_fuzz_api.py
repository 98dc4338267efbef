"""Fuzz the whole API with schemathesis against its own /openapi.json: no 5xx, ever.

Authenticated as a planner (a bearer token on every request), so the write routes run their
real code instead of stopping at 401. Bounded: a few examples per operation, no per-example
deadline (a loaded CI machine must not make it flaky), and the whole module stays well under
60 s. Every operation must never answer 5xx; the ``/api/*`` operations must also match their
documented schema (status code, content type, body), so the ``{"detail": ...}`` error shape and
the pydantic response models are checked on random input. (schemathesis' pytest plugin does not
run under pytest 9, so the operations are driven with hypothesis directly.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from fixtures.accounts import bearer

pytestmark = pytest.mark.integration

MAX_EXAMPLES = 25
HEADERS: dict[str, str] = {}
"""The fuzzer's ``Authorization`` header (a planner's API token)."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(dataset, tmp_path_factory: pytest.TempPathFactory):
    app = create_app(dataset, tmp_path_factory.mktemp("fuzz-state"), upload_limit=100_000)
    HEADERS.update(bearer(app.state.regio.store, "fuzzer"))  # authenticated: writes get in
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def fuzz(operation, checks: list) -> int:
    """Run ``checks`` on up to ``MAX_EXAMPLES`` generated requests; return how many ran."""
    calls: list[int] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        calls.append(case.call_and_validate(checks=checks, headers=HEADERS).status_code)

    run()
    return len(calls)


@pytest.mark.timeout(120)
def test_api_never_fails_with_a_server_error(api_schema) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 11
    failures: list[str] = []
    calls = 0
    for operation in operations:
        # /api/* is this module's contract in full; other pages (maps, home) must not 5xx
        checks = CHECKS if operation.path.startswith("/api/") else [not_a_server_error]
        try:
            calls += fuzz(operation, checks)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect them all
            failures.append(f"{operation.label}: {exc}")
    assert failures == [], "\n\n".join(failures)
    assert calls >= 5 * len(operations)  # the requests really ran
