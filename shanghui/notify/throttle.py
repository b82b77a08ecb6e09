"""Keeping under each provider's rate limit before sending, rather than learning it from a refusal:
20 messages a minute per robot, the per-number SMS limits (sms.py). A send takes a place in the
target's window inside a short transaction that locks the target's row; when the window is full the
caller learns when the next place frees and reschedules the notification — it waits, it is never
dropped, and waiting is not an attempt.

Times come from the caller (`now`), so tests can move the clock instead of sleeping.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from shanghui.notify.channels.base import Limits
from shanghui.notify.models import SendWindow


def _locked(target: str) -> SendWindow:
    SendWindow.objects.bulk_create([SendWindow(target=target)], ignore_conflicts=True)
    return SendWindow.objects.select_for_update().get(target=target)


def reserve(target: str, limits: Limits, now: dt.datetime) -> dt.datetime | None:
    """Take a place for one send to `target` at `now` and return None; or, when the target is full or
    blocked, take nothing and return when to try again. Must run inside the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, "reserve() runs in the caller's transaction"
    window = _locked(target)
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
    window.save(update_fields=["sent_times"])
    return None


def block(target: str, until: dt.datetime) -> None:
    """The provider asked to wait: nothing goes to `target` before `until` (sends of other rows too)."""
    with transaction.atomic():
        window = _locked(target)
        if window.blocked_until is None or window.blocked_until < until:
            window.blocked_until = until
            window.save(update_fields=["blocked_until"])
