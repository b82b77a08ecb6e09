"""Browser tests: the real ASGI application served by uvicorn on a free local port, driven by
Playwright in Debian's Chromium. The server runs in a thread of the test process and uses the
test database, so tests create their data with the same factories as every other test."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not Path(CHROMIUM).exists():
                if os.environ.get("CI") == "true":
                    item.add_marker(
                        pytest.mark.xfail(reason="chromium missing in CI", strict=True, run=False)
                    )
                else:
                    item.add_marker(pytest.mark.skip(reason="no /usr/bin/chromium: `./dev test` installs it"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The running test server (server_url), for waiting until it is quiet between tests.
_SERVER: dict[str, Any] = {}


def wait_until_server_is_quiet(timeout: float = 10) -> None:
    """Until the test server holds no connection and runs no request or socket handler: a page closed at
    the end of a test leaves its WebSocket's disconnect handler (and a late request) running in the
    server thread, and a query of theirs racing the flush of the database that follows (PostgreSQL's
    TRUNCATE of every table) can deadlock it."""
    server = _SERVER.get("server")
    if server is None:
        return
    state = server.server_state
    deadline = time.monotonic() + timeout
    while (state.connections or state.tasks) and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    import uvicorn

    from shanghui.asgi import application

    port = _free_port()
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    _SERVER["server"] = server
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def live(server_url: str, transactional_db: None) -> str:
    """The server's base URL, with a database the server thread can see (committed data)."""
    return server_url


@contextmanager
def django_async_guard_lifted() -> Iterator[None]:
    """Playwright's sync API runs an event loop on the test's thread while it is open, and Django's
    async-safety guard refuses an ORM call on a thread with a running loop: the ORM calls a browser test
    makes between its steps are synchronous, so the guard stands aside — only while Playwright is open,
    and it is back for every test after."""
    before = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        yield
    finally:
        if before is None:
            del os.environ[ASYNC_UNSAFE]
        else:
            os.environ[ASYNC_UNSAFE] = before


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, for one module of browser tests (Playwright, and so its event loop, closes after it)."""
    from playwright.sync_api import sync_playwright

    with django_async_guard_lifted(), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any, live: str) -> Iterator[Any]:
    """A factory of pages, each in its own browser context (own cookies): one per person. `bypass_csp`:
    the page may run a script the test injects (the accessibility check's axe-core)."""
    contexts = []

    def make(*, phone: bool = False, bypass_csp: bool = False) -> Any:
        options: dict[str, Any] = {
            "base_url": live, "locale": "zh-CN", "timezone_id": "Asia/Shanghai", "bypass_csp": bypass_csp,
        }  # fmt: skip
        if phone:
            options.update(PHONE)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    wait_until_server_is_quiet()


def login(page: Any, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_test_id("login-form").locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


# What a page may print to the console without failing a test: a missing favicon, resources that fail
# to load while the test has taken the phone offline, and htmx's note that it cancelled a request — a
# search suggestion superseded by the next keystroke (hx-sync "replace") or cut off by leaving the page.
# htmx logs a cancelled request as "htmx:afterRequest" and "htmx:sendAbort"; a failed one still shows as
# "htmx:sendError" or "htmx:responseError" and fails the test.
EXPECTED_CONSOLE_ERRORS = (
    "Failed to load resource",
    "ERR_INTERNET_DISCONNECTED",
    "htmx:afterRequest",
    "htmx:sendAbort",
)
# Chromium names the offline failure inside a longer message for a WebSocket ("WebSocket connection to
# 'ws://…' failed: … net::ERR_INTERNET_DISCONNECTED"): the socket's reconnect attempts while offline.
OFFLINE = "net::ERR_INTERNET_DISCONNECTED"


def watch_console(page: Any, errors: list[str] | None = None) -> list[str]:
    """The page's console errors (script errors, CSP violations) as they happen, appended to `errors`
    (a new list unless given, so that several pages can share one)."""
    errors = [] if errors is None else errors

    def on_console(message: Any) -> None:
        text = message.text
        if message.type == "error" and not (text.startswith(EXPECTED_CONSOLE_ERRORS) or OFFLINE in text):
            errors.append(message.text)

    page.on("console", on_console)
    return errors
