"""Rate limit per token (or per session user): API_RATE_LIMIT requests per period, e.g. "600/min".

Counted in fixed windows in the cache by the shared mechanism (shanghui/lib/ratelimit.py), so concurrent
requests of one client are all counted (ninja's SimpleRateThrottle reads and rewrites a list of
timestamps, losing counts under load, and keeps per-request state on the shared throttle object).
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from shanghui.apiv1.auth import Principal
from shanghui.lib import ratelimit


class TokenRateThrottle(BaseThrottle):
    # The throttle object is shared by every request; the wait of the request being checked is kept
    # per thread (ninja asks allow_request() and then wait() on the same thread).
    _state = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        rate = ratelimit.parse_rate(settings.API_RATE_LIMIT)
        auth = getattr(request, "auth", None)
        if rate is None or not isinstance(auth, Principal):
            return True
        wait = ratelimit.hit(f"api-v1:{auth.rate_key}", rate)
        self._state.wait = wait
        return wait is None

    def wait(self) -> float | None:
        return getattr(self._state, "wait", None)
