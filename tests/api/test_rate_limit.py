"""Per-token rate limit (API_RATE_LIMIT), counted in the cache."""

from __future__ import annotations

from typing import Any

import pytest

from shanghui.lib.ratelimit import Rate, parse_rate
from tests.api.conftest import error_of


def test_over_the_limit_is_429_with_retry_after(world: Any, api_as: Any, settings: Any) -> None:
    settings.API_RATE_LIMIT = "3/min"
    api, other = api_as(world.agent), api_as(world.agent)
    assert [api.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get("/api/v1/me")
    assert refused.status_code == 429
    error = error_of(refused)
    assert error["code"] == "rate_limited"
    retry_after = int(refused["Retry-After"])
    assert 1 <= retry_after <= 60
    assert error["retry_after"] == retry_after
    # The limit is per token: another token of the same person is counted apart.
    assert other.get("/api/v1/me").status_code == 200


def test_no_limit_when_turned_off(world: Any, api_as: Any, settings: Any) -> None:
    # A token over its limit…
    settings.API_RATE_LIMIT = "3/min"
    api = api_as(world.agent)
    assert [api.get("/api/v1/me").status_code for _ in range(4)] == [200, 200, 200, 429]
    # …is not held back once the limit is turned off (5 requests more than the 3 it had).
    settings.API_RATE_LIMIT = "0"
    assert [api.get("/api/v1/me").status_code for _ in range(5)] == [200] * 5


def test_rate_format() -> None:
    assert parse_rate("600/min") == Rate(600, 60)
    assert parse_rate("100/5m") == Rate(100, 300)
    assert parse_rate("20/s") == Rate(20, 1)
    assert parse_rate("10000/h") == Rate(10000, 3600)
    assert parse_rate("") is None and parse_rate("0") is None and parse_rate("0/min") is None
    for bad in ("many/min", "5/fortnight", "5/0s", "5/x1m"):
        with pytest.raises(ValueError):
            parse_rate(bad)
