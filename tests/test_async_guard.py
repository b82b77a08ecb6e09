"""Django's async-safety guard is on for every test but the browser tests (tests/browser/conftest.py
lifts it only while Playwright is open): an ORM call from a thread with a running event loop fails."""

from __future__ import annotations

import asyncio
import os

import pytest
from django.core.exceptions import SynchronousOnlyOperation

from shanghui.accounts.models import User


def test_the_guard_is_on_outside_the_browser_tests(db: None) -> None:
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ

    async def query_from_a_coroutine() -> None:
        User.objects.count()

    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(query_from_a_coroutine())
