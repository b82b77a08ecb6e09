"""Rate limits in fixed windows counted in the Django cache: one mechanism for the REST API's limit per
token (apiv1/throttle.py), the citizen pages' limits per client address (proxy/citizen_views.py) and the
conversation's message rates per socket and per person (conversations/services.py).

A hit is counted with the cache's atomic `incr`, so concurrent requests are all counted. With REDIS_URL
set the cache is Redis and every web process shares the counts; otherwise each process counts its own.
A refused hit is counted too, which changes nothing: the window ends when it ends, whatever was tried
in it. (Notification delivery keeps exact, durable windows in the database instead: notify/throttle.py.)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import cache

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


@dataclass(frozen=True)
class Rate:
    """At most `limit` hits per `seconds`."""

    limit: int
    seconds: int


@lru_cache(maxsize=32)
def parse_rate(text: str) -> Rate | None:
    """The Rate of "600/min", "100/5m", "10/s"; None for "", "0" or "0/min" (no limit). ValueError
    for anything else."""
    text = (text or "").strip()
    if not text or text == "0":
        return None
    count, _, period = text.partition("/")
    period = period.strip() or "s"
    number = period.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = period[len(number) :] or "s"
    if unit not in PERIODS or not count.strip().isdigit() or (number and not number.isdigit()):
        raise ValueError(f"invalid rate {text!r}, expected e.g. 600/min")
    seconds = (int(number) if number else 1) * PERIODS[unit]
    if not seconds:
        raise ValueError(f"invalid rate {text!r}, expected e.g. 600/min")
    return Rate(int(count), seconds) if int(count) else None


def hit(key: str, rate: Rate | None, *, now: float | None = None) -> float | None:
    """Count one hit for `key` in the current window of `rate`. None when it is within the limit (or
    there is no limit); otherwise the seconds until the window ends and hits count afresh."""
    if rate is None:
        return None
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    counter = f"rate:{key}:{rate.seconds}:{window}"
    cache.add(counter, 0, timeout=rate.seconds + 5)
    try:
        count = cache.incr(counter)
    except ValueError:  # the key expired between add() and incr()
        cache.set(counter, 1, timeout=rate.seconds + 5)
        count = 1
    if count <= rate.limit:
        return None
    return (window + 1) * rate.seconds - now


class RateLimited(Exception):
    """Over a rate: nothing was done; the same request may be made again after `retry_after` seconds."""

    def __init__(self, message: str, wait: float) -> None:
        self.retry_after = max(1, math.ceil(wait))
        super().__init__(message.format(seconds=self.retry_after))
        self.message = str(self)
