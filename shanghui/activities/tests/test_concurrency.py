"""Two phones taking the last place in the same second, one person signing up for two overlapping slots
from two tabs at once: the row locks in services.sign_up serialise them (run on PostgreSQL in CI; on
SQLite the writers queue on the database lock)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from shanghui.activities import services
from shanghui.activities.models import HOLDING, SignUp, SignUpState

PHONES = 8


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; each thread has its own database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(n: int) -> None:
        try:
            barrier.wait()
            results[n] = calls[n]()
        except Exception as exc:  # noqa: BLE001  (the test inspects what each call raised)
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.fixture
def act_tx(transactional_db: None, act: SimpleNamespace) -> SimpleNamespace:
    return act


def test_concurrent_sign_ups_for_the_last_place_never_exceed_it(act_tx: SimpleNamespace) -> None:
    activity = act_tx.published(slots=[{"role": "引导员", "quantity": 1}])
    slot = act_tx.slot(activity)
    people = [act_tx.volunteer(n) for n in range(PHONES)]

    results = at_once([partial(services.sign_up, volunteer=v, slot=slot) for v in people])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert SignUp.objects.filter(slot=slot, state__in=HOLDING).count() == 1
    assert SignUp.objects.filter(slot=slot, state=SignUpState.WAITLISTED).count() == PHONES - 1


def test_one_person_from_two_tabs_gets_one_of_two_overlapping_slots(act_tx: SimpleNamespace) -> None:
    a = act_tx.published(title="甲", slots=[{"role": "引导员", "quantity": 5}])
    b = act_tx.published(title="乙", slots=[{"role": "引导员", "quantity": 5}])
    person = act_tx.volunteer(1)

    slots = (act_tx.slot(a), act_tx.slot(b))
    results = at_once([partial(services.sign_up, volunteer=person, slot=s) for s in slots])

    assert sorted(type(r).__name__ for r in results) == ["SignUp", "ValidationError"]
    refused = next(r for r in results if isinstance(r, ValidationError))
    assert "同一时间只能参加一个岗位" in refused.messages[0]
    assert SignUp.objects.filter(volunteer=person).count() == 1
