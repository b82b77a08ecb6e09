"""Schemathesis over the whole OpenAPI document of /api/v1/, with an agent's write token: whatever it
sends (valid and invalid input, a few examples per operation), no response is a 5xx and every response
matches the schema the document declares (status code, content type, body)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shanghui.proxy.workflow import AGENT

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Django's WSGI handler runs in the test's thread and transaction: like Django's test client, keep
    the request signals from closing the test's database connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(pw: Any, make_token: Any, settings: Any) -> str:
    settings.API_RATE_LIMIT = "0"  # hundreds of requests in a few seconds: the limit has its own test
    # Two cases of the agent's point (a draft and one at the window), so that small ids hit real cases
    # as well as missing ones.
    pw.new_case()
    pw.act(pw.submitted(), "forward", AGENT, window=pw.window.pk)
    raw: str = make_token(pw.agent)
    return raw


# The document exactly as the server serves it (no database needed to produce it). Fuzzing only: the
# coverage phase's exhaustive boundary cases would take minutes; wrong methods and bad input have their
# own tests (test_errors.py).
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler(), config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_schema(case: Any, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
