"""Helpers for the notification tests: robots configured through the service, rows written through
notify_users, and a loop that runs the delivery task while moving a fake clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from shanghui.accounts.models import User
from shanghui.notify import services
from shanghui.notify.models import ChannelConfig, OutboxMessage
from shanghui.notify.tasks import deliver_due
from shanghui.notify.tests.servers import FakeClock
from shanghui.orgs.models import Organisation


def make_robot(
    *, actor: User, organisation: Organisation, webhook: str, kind: str = "dingtalk", events: Iterable[str] = ("case.submit",),
    name: str = "工作群", **fields: Any,
) -> ChannelConfig:  # fmt: skip
    return services.save_channel_config(
        actor=actor, organisation=organisation, kind=kind, name=name, webhook_url=webhook, events=list(events),
        **fields,
    )  # fmt: skip


def waiting() -> int:
    return OutboxMessage.objects.filter(state__in=["pending", "failed"]).count()


def run_until_delivered(clock: FakeClock, *, step: dt.timedelta, limit: int = 2000) -> int:
    """Run the delivery task, moving the clock by `step` between runs, until nothing waits.
    Returns how many runs it took."""
    for runs in range(1, limit + 1):
        deliver_due(now=clock())
        if not waiting():
            return runs
        clock.now += step
    raise AssertionError(f"still {waiting()} notifications waiting after {limit} runs")
