"""Idempotent intake under concurrency: several POST /api/v1/cases with one Idempotency-Key at the same
moment create one case, and exactly one caller — the one whose request created it — hears 201 Created;
every other one hears 200 with the same case, as the README and the OpenAPI document promise.

Threads with a connection each and real transactions: on PostgreSQL the losers wait on the unique index
until the winner commits; on SQLite IMMEDIATE transactions serialise them. Both databases."""

from __future__ import annotations

from typing import Any

import pytest

from shanghui.proxy.models import Case, CaseEvent
from shanghui.proxy.tests.test_concurrency import run_together
from tests.api.test_cases import intake

pytestmark = pytest.mark.django_db(transaction=True)

CALLERS = 8
ROUNDS = 3  # keys raced per test: more chances for the requests to really overlap


def test_concurrent_duplicates_get_one_201_and_200_with_the_same_case(pw: Any, api_as: Any) -> None:
    agent = api_as(pw.agent)
    for round_ in range(ROUNDS):
        key = f"intake-race-{round_}"

        def post(key: str = key) -> Any:
            return agent.post("/api/v1/cases", intake(pw), headers={"Idempotency-Key": key})

        # When eight callers send the same intake with one key at the same instant
        outcomes = run_together([post] * CALLERS)

        # Then one case exists for the key, and one caller was told it created it
        assert [o for o in outcomes if isinstance(o, BaseException)] == []
        statuses = sorted(o.status_code for o in outcomes)
        assert statuses == [200] * (CALLERS - 1) + [201], [o.content[:200] for o in outcomes]
        # and every answer is that case, in the same body
        bodies = [o.json() for o in outcomes]
        assert all(body == bodies[0] for body in bodies)
        assert Case.objects.filter(pk=bodies[0]["id"]).exists()

    assert Case.objects.count() == ROUNDS
    assert CaseEvent.objects.filter(action="create").count() == ROUNDS


def test_a_retry_after_the_fact_is_200_with_the_same_body(pw: Any, api_as: Any) -> None:
    agent = api_as(pw.agent)
    first = agent.post("/api/v1/cases", intake(pw), headers={"Idempotency-Key": "once"})
    again = agent.post("/api/v1/cases", intake(pw), headers={"Idempotency-Key": "once"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
