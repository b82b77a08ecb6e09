"""Keeping under each provider's rate limit before sending, rather than learning it from a refusal:
20 messages a minute per robot, the per-number SMS limits (sms.py). A send takes a place in the
target's window inside a short transaction that locks the target's row; when the window is full the
caller learns when the next place frees and reschedules the notification — it waits, it is never
dropped, and waiting is not an attempt.

A window whose sends have all left its longest limit, and whose block (if any) has ended, holds nothing:
it is the same as no row, and `prune` deletes such rows a batch at a time (the delivery task calls it).

Times come from the caller (`now`), so tests can move the clock instead of sleeping.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from shanghui.notify.channels.base import Limits
from shanghui.notify.models import SendWindow

PRUNE_BATCH = 500


def _locked(target: str, expires_at: dt.datetime) -> SendWindow:
    """The target's row, locked; created (expiring at `expires_at`) if there is none."""
    while True:
        SendWindow.objects.bulk_create(
            [SendWindow(target=target, expires_at=expires_at)], ignore_conflicts=True
        )
        window = SendWindow.objects.select_for_update().filter(target=target).first()
        if window is not None:
            return window
        # `prune` deleted the row between the insert (which found it there) and the lock. The next
        # insert creates ours, which no other transaction can see or delete before we commit.


def reserve(target: str, limits: Limits, now: dt.datetime) -> dt.datetime | None:
    """Take a place for one send to `target` at `now` and return None; or, when the target is full or
    blocked, take nothing and return when to try again. Must run inside the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, "reserve() runs in the caller's transaction"
    window = _locked(target, now)
    if window.blocked_until is not None and window.blocked_until > now:
        return window.blocked_until
    longest = max((span for span, _ in limits), default=dt.timedelta(0))
    times = sorted(t for t in (dt.datetime.fromisoformat(s) for s in window.sent_times) if now - t < longest)
    for span, most in limits:
        inside = [t for t in times if now - t < span]
        if len(inside) >= most:
            # Free when the oldest of the last `most` sends leaves the window.
            return inside[-most] + span
    window.sent_times = [t.isoformat() for t in [*times, now]]
    window.expires_at = max(window.expires_at, now + longest)
    window.save(update_fields=["sent_times", "expires_at"])
    return None


def block(target: str, until: dt.datetime) -> None:
    """The provider asked to wait: nothing goes to `target` before `until` (sends of other rows too)."""
    with transaction.atomic():
        window = _locked(target, until)
        if window.blocked_until is None or window.blocked_until < until:
            window.blocked_until = until
            window.expires_at = max(window.expires_at, until)
            window.save(update_fields=["blocked_until", "expires_at"])


def prune(now: dt.datetime, *, limit: int = PRUNE_BATCH) -> int:
    """Delete up to `limit` windows that expired before `now`; returns how many. Rows another worker
    holds (a send being reserved) are skipped rather than waited for; locking the rest first means a
    row renewed by a send that committed meanwhile is read again and kept."""
    with transaction.atomic():
        expired = SendWindow.objects.filter(expires_at__lt=now).order_by("expires_at")
        if connection.features.has_select_for_update_skip_locked:
            expired = expired.select_for_update(skip_locked=True)
        ids = list(expired.values_list("pk", flat=True)[:limit])
        if ids:
            SendWindow.objects.filter(pk__in=ids).delete()
    return len(ids)
