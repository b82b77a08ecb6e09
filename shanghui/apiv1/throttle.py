"""Rate limit per token (or per session user): API_RATE_LIMIT requests per period, e.g. "600/min".

A fixed window counted with the cache's atomic `incr`, so concurrent requests of one client are all
counted (ninja's SimpleRateThrottle reads and rewrites a list of timestamps, losing counts under load, and
keeps per-request state on the shared throttle object). With REDIS_URL set the cache is Redis and every web
process shares the counts; otherwise each process counts its own.
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from shanghui.apiv1.auth import Principal

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


@lru_cache(maxsize=8)
def parse_rate(rate: str) -> tuple[int, int]:
    """(requests, seconds) of "600/min", "100/5m", "10/s"; (0, 0) for "" or "0" (no limit)."""
    rate = (rate or "").strip()
    if not rate or rate == "0":
        return 0, 0
    count, _, period = rate.partition("/")
    period = period.strip() or "s"
    number = period.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = period[len(number) :] or "s"
    if unit not in PERIODS or not count.strip().isdigit():
        raise ValueError(f"API_RATE_LIMIT: invalid rate {rate!r}, expected e.g. 600/min")
    return int(count), (int(number) if number else 1) * PERIODS[unit]


class TokenRateThrottle(BaseThrottle):
    # The throttle object is shared by every request; the wait of the request being checked is kept
    # per thread (ninja asks allow_request() and then wait() on the same thread).
    _state = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        limit, period = parse_rate(settings.API_RATE_LIMIT)
        auth = getattr(request, "auth", None)
        if not limit or not isinstance(auth, Principal):
            return True
        now = time.time()
        window = int(now // period)
        key = f"api-v1:rate:{auth.rate_key}:{period}:{window}"
        cache.add(key, 0, timeout=period + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # the key expired between add() and incr()
            cache.set(key, 1, timeout=period + 5)
            count = 1
        self._state.wait = (window + 1) * period - now
        return count <= limit

    def wait(self) -> float | None:
        return getattr(self._state, "wait", None)
