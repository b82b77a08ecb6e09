"""Anchoring the audit chain's head now and then, without a scheduler.

Time is cut into periods of AUDIT_ANCHOR_INTERVAL seconds. The first row appended in a period enqueues
one `anchor` task for the period's end, in the same transaction as the row (the previous row's time says
whether this row is the first: no extra query). So every row is anchored at most one interval after it
was written, a quiet log costs nothing, and a task lost with a crashed worker is made good by the next
period's anchor, which covers every row before it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django_tasks import task

logger = logging.getLogger("shanghui.audit")


def _period(moment: dt.datetime, interval: int) -> int:
    return int(moment.timestamp()) // interval


def schedule_anchor(*, previous: dt.datetime | None, now: dt.datetime) -> None:
    """Called by every append, inside its transaction (services._append)."""
    interval = settings.AUDIT_ANCHOR_INTERVAL
    if interval <= 0 or not settings.AUDIT_ANCHOR:
        return
    period = _period(now, interval)
    if previous is not None and _period(previous, interval) == period:
        return
    if not anchor.get_backend().supports_defer:
        return  # e.g. the immediate backend: anchors are then written by `shanghui audit verify` only
    period_end = dt.datetime.fromtimestamp((period + 1) * interval, tz=dt.UTC)
    anchor.using(run_after=period_end).enqueue()


@task()
def anchor() -> int | None:
    """Write the chain's head to the anchor stores; the head's number (None: nothing written)."""
    from shanghui.audit.services import anchor_head

    head, failures = anchor_head()
    if failures:
        # The task's result says so too (FAILED), and the next period, or a verify, tries again.
        raise RuntimeError("；".join(failures))
    return head.seq if head else None
