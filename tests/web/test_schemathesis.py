"""The API keeps its contract: Schemathesis over the whole OpenAPI, in-process against the ASGI app.

Checks, for every operation: no server error, every status code is documented, the content type is the
documented one and the body conforms to the response schema. A bounded number of examples per operation
(``EXAMPLES``) keeps the run short; it runs on both stores like the rest of the suite.

Authentication: every request carries ``api_headers`` (one fixture: the bearer token of an operator, as
``client`` has). Public routes (tenancy.deps.PUBLIC_ROUTES) are fuzzed with the same headers; to leave an
operation out (a public route, one that cannot run here), add it to ``EXCLUDED`` with the reason.
URLs in bodies are replaced by a refused local one: no case reaches the network.

``pytest -s tests/web/test_schemathesis.py`` prints the operations and cases run.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 10  # fuzzed cases per operation, besides the coverage phase's boundary cases

# (method, path regex, why): operations left out of the fuzzing run.
EXCLUDED: list[tuple[str, str, str]] = []

# Every URL a case would fetch goes here instead: a closed port on loopback, refused at once, so no case
# reaches the network (after fetch-safety, loopback is refused before any connection).
NO_NETWORK_URL = "http://127.0.0.1:9/contract-test"

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_headers(accounts) -> dict[str, str]:  # noqa: ANN001 - conftest.Accounts
    """Headers every fuzzed request carries: the bearer token of an operator, as ``client`` has."""
    from conftest import OPERATOR_EMAIL, OPERATOR_ORG, TEST_ORG

    accounts.org(TEST_ORG)
    accounts.user(OPERATOR_ORG, "operator", OPERATOR_EMAIL)
    accounts.grant(OPERATOR_EMAIL, TEST_ORG)
    return {"Authorization": f"Bearer {accounts.token(OPERATOR_EMAIL)}"}


def _schema() -> schemathesis.BaseSchema:
    """The OpenAPI of the app, read at import (no request, no store); cases are sent to the app in-process."""
    from vedette.web.app import create_app

    app = create_app()
    # 502 (a fetch failed) and 503 (the job broker is down) are documented answers about other servers,
    # not server errors; status_code_conformance still requires each operation to document them.
    # The coverage phase (boundary values, wrong types, missing fields: most of the cases) stays; requests
    # with methods an operation does not have are left out to keep the run short.
    config = schemathesis.Config.from_dict(
        {
            "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "502", "503"]}},
            "phases": {"coverage": {"unexpected-methods": []}},
            # Event streams (text/event-stream) never end: read what comes within a second, then stop.
            "operations": [{"include-path-regex": "^/api/live", "request-timeout": 1}],
        }
    )
    schema = schemathesis.openapi.from_dict(app.openapi(), config=config)
    schema.app = app  # the ASGI transport: each case is an in-process call, settings read per request
    for method, path, _why in EXCLUDED:
        schema = schema.exclude(method=method, path_regex=path)
    return schema


schema = _schema()


@schema.hook
def map_case(_context, case):  # noqa: ANN001, ANN201 - schemathesis hook signature
    if isinstance(case.body, dict) and isinstance(case.body.get("url"), str):
        case.body = {**case.body, "url": NO_NETWORK_URL}
    return case


CASES: Counter[str] = Counter()  # cases run, by operation
SECONDS: Counter[str] = Counter()  # time spent in them, by operation (reported, never asserted)


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if CASES:
        print(f"\nschemathesis: {len(CASES)} operations, {sum(CASES.values())} cases")
        slowest = ", ".join(f"{op} {s:.1f}s" for op, s in SECONDS.most_common(5))
        print(f"slowest operations: {slowest}")


@pytest.fixture
def contract_store(clean_db: str) -> Iterator[str]:
    """An empty store for each operation; afterwards the jobs it queued (in-process) are waited for, so none
    outlives the test's store and settings, and the app's lifespan is stopped."""
    from schemathesis.python import asgi

    from vedette.jobs import queue

    yield clean_db
    executor = queue._embedded.executor
    if executor is not None:
        executor.shutdown(wait=True)
        queue._embedded.executor = None
    asgi.shutdown_lifespans()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_contract(case: schemathesis.Case, contract_store: str, api_headers: dict[str, str]) -> None:
    CASES[case.operation.label] += 1
    start = time.perf_counter()
    try:
        case.call_and_validate(headers=api_headers, checks=CHECKS)
    finally:
        SECONDS[case.operation.label] += time.perf_counter() - start


def test_the_run_covers_every_operation_not_excluded() -> None:
    """Every operation of the OpenAPI is fuzzed unless ``EXCLUDED`` names it, and every exclusion matches."""
    from vedette.web.app import create_app

    paths = create_app().openapi()["paths"]
    every = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    excluded = {(m, p) for m, p in every for method, regex, _why in EXCLUDED if m == method and re.search(regex, p)}
    for method, regex, _why in EXCLUDED:
        assert any(m == method and re.search(regex, p) for m, p in every), f"{method} {regex} matches nothing"
    fuzzed = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert fuzzed == every - excluded
