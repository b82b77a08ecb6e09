"""Rate-limit windows are pruned once they hold nothing: every send older than the target's longest
limit and no provider block still running. Pruning is bounded per run, and a pruned target starts afresh."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from shanghui.notify import throttle
from shanghui.notify.channels import dingtalk
from shanghui.notify.models import SendWindow
from shanghui.notify.sms import NOTIFICATION_LIMITS
from shanghui.notify.tasks import deliver_outbox

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def reserve(target: str, limits: Any, at: dt.datetime) -> dt.datetime | None:
    with transaction.atomic():
        return throttle.reserve(target, limits, at)


def targets() -> set[str]:
    return set(SendWindow.objects.values_list("target", flat=True))


def test_the_delivery_task_prunes_windows_that_hold_nothing_and_keeps_the_rest() -> None:
    now = timezone.now()
    # Given a robot that sent two minutes ago (its limit is per minute), a number that got an SMS two
    # minutes ago (its limit is per day), a robot the provider blocked for five more minutes, and a
    # robot whose sends are old but whose block still runs
    assert reserve("robot:old", dingtalk.LIMITS, now - 2 * MINUTE) is None
    assert reserve("sms:recent", NOTIFICATION_LIMITS, now - 2 * MINUTE) is None
    throttle.block("robot:blocked", now + 5 * MINUTE)
    assert reserve("robot:old-but-blocked", dingtalk.LIMITS, now - 2 * MINUTE) is None
    throttle.block("robot:old-but-blocked", now + MINUTE)

    # When the delivery task runs
    deliver_outbox.call()

    # Then only the window that holds nothing is gone
    assert targets() == {"sms:recent", "robot:blocked", "robot:old-but-blocked"}
    # and a day later the others go too
    assert throttle.prune(now + dt.timedelta(days=1)) == 3
    assert targets() == set()


def test_a_pruned_target_starts_afresh_and_a_kept_one_still_counts() -> None:
    now = timezone.now()
    for i in range(20):
        assert reserve("robot:a", dingtalk.LIMITS, now + i * dt.timedelta(seconds=1)) is None
    # Full for this minute: pruning now must not forget that
    assert throttle.prune(now + dt.timedelta(seconds=30)) == 0
    assert reserve("robot:a", dingtalk.LIMITS, now + dt.timedelta(seconds=30)) == now + MINUTE

    later = now + 2 * MINUTE
    assert throttle.prune(later) == 1
    assert reserve("robot:a", dingtalk.LIMITS, later) is None
    assert SendWindow.objects.get(target="robot:a").sent_times == [later.isoformat()]


def test_pruning_is_bounded_per_run() -> None:
    now = timezone.now()
    for i in range(5):
        reserve(f"robot:{i}", dingtalk.LIMITS, now - 2 * MINUTE)

    assert throttle.prune(now, limit=2) == 2
    assert len(targets()) == 3
    assert throttle.prune(now, limit=2) == 2
    assert throttle.prune(now, limit=2) == 1
    assert throttle.prune(now, limit=2) == 0


def test_a_window_pruned_between_the_insert_and_the_lock_is_made_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a window that expired, and another worker pruning it right after this worker's insert (which
    # found the row there, so inserted nothing) and before its lock
    now = timezone.now()
    reserve("robot:a", dingtalk.LIMITS, now - 2 * MINUTE)
    manager = SendWindow.objects
    real_bulk_create = manager.bulk_create
    calls: list[int] = []

    def bulk_create_then_pruned(*args: Any, **kwargs: Any) -> Any:
        created = real_bulk_create(*args, **kwargs)
        if not calls:
            throttle.prune(now)
        calls.append(1)
        return created

    monkeypatch.setattr(manager, "bulk_create", bulk_create_then_pruned)

    # When this worker reserves a place
    assert reserve("robot:a", dingtalk.LIMITS, now) is None

    # Then it made the row again and counted the send
    assert len(calls) == 2
    assert SendWindow.objects.get(target="robot:a").sent_times == [now.isoformat()]
