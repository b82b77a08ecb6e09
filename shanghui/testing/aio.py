"""Running a coroutine from a synchronous test, whatever ran on the test's thread before it.

Playwright's synchronous API keeps its event loop alive on the thread of the worker that ran a browser
test (the browser is a session fixture), and `async_to_sync` refuses to run on a thread with a running
loop. So a WebSocket scenario runs on a thread of its own, where no loop runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from asgiref.sync import async_to_sync

T = TypeVar("T")


def run_async(scenario: Callable[[], Awaitable[T]]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(async_to_sync(scenario)).result()
