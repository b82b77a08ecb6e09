"""One frozen clock: the `clock` fixture stops Django's `timezone.now()` (which every service reads) and
moves it only when the test says so.

    def test_a_code_expires(db, clock):
        otp.request_code(MOBILE)
        clock.advance(minutes=5, seconds=1)        # relative to the clock's time
        clock.set(clock.start + dt.timedelta(...))  # or to a moment (any time zone; kept in UTC)

`Clock` alone (not frozen into Django) is the time a test hands to code that takes a clock, such as
the notification providers' fake servers.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

__all__ = ["Clock", "clock"]


class Clock:
    """Time that moves only when told."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.start = (start or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        self.now = self.start

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, moment: dt.datetime) -> dt.datetime:
        """Move to `moment` (aware; returned in UTC, as Django's own `now()`)."""
        self.now = moment.astimezone(dt.UTC)
        return self.now

    def advance(self, delta: dt.timedelta | None = None, **parts: float) -> dt.datetime:
        """Move forward by `delta` or by timedelta's keywords (minutes=5, seconds=1…)."""
        self.now += (delta or dt.timedelta()) + dt.timedelta(**parts)
        return self.now

    def timestamp(self) -> float:
        """The clock's time as `time.time()` gives it, for code that reads that clock."""
        return self.now.timestamp()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Django's time frozen at the test's start; every later `timezone.now()` sees `clock.now`."""
    frozen = Clock()
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


def freeze(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> Clock:
    """The same as the fixture, from inside a test or another fixture, at `moment`."""
    frozen = Clock(moment)
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen
