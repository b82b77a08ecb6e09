"""The load generator: a separate process that the bench parts start with a JSON spec on standard input
and that prints its measurements as JSON. Bounded by a number of requests and a time limit, and only
ever against 127.0.0.1.

Modes:
  get   one client, one keep-alive connection, GET `path` `requests` times in a row (after `warmup`
        untimed ones); every answer must be 200 and contain `expect`. Latency of pages one person opens.

  actions  concurrent API clients performing workflow actions (bench/load_actions.py)
  ws       WebSocket clients in case conversations across server processes (bench/load_ws.py)

A mode is a function taking the spec and returning a JSON-able dict; modes living in their own module
are imported only when asked for.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import SplitResult, urlsplit

LOOPBACK = "127.0.0.1"


def loopback(url: str, schemes: tuple[str, ...] = ("http",)) -> SplitResult:
    """`url`, split, when it points at 127.0.0.1 with one of `schemes`; every mode checks each address
    it is given here, and refuses (exits) anything else."""
    parts = urlsplit(url)
    if parts.hostname != LOOPBACK or parts.scheme not in schemes:
        raise SystemExit(f"refusing to load {url}: only {'/'.join(schemes)} on 127.0.0.1 is allowed")
    return parts


def _connection(base_url: str) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(LOOPBACK, loopback(base_url).port or 80, timeout=60)


def get(spec: dict[str, Any]) -> dict[str, Any]:
    conn = _connection(spec["base_url"])
    cookie = "; ".join(f"{k}={v}" for k, v in spec.get("cookies", {}).items())
    headers = {"Cookie": cookie, "Host": f"{LOOPBACK}", "Accept-Encoding": "identity"}
    expect = spec.get("expect", "").encode()
    deadline = time.monotonic() + float(spec.get("seconds", 60))
    statuses: Counter[int] = Counter()
    samples: list[float] = []
    bad: list[str] = []

    def one() -> float:
        started = time.perf_counter()
        conn.request("GET", spec["path"], headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        statuses[response.status] += 1
        if response.status != 200 or (expect and expect not in body):
            bad.append(f"{response.status}: {body[:200]!r}")
        return elapsed

    for _ in range(int(spec.get("warmup", 2))):
        one()
    for _ in range(int(spec["requests"])):
        if time.monotonic() > deadline:
            break
        samples.append(one())
    conn.close()
    return {"samples": samples, "statuses": dict(statuses), "errors": len(bad), "first_error": bad[:1]}


MODES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {"get": get}
MODULES = {"actions": "bench.load_actions", "ws": "bench.load_ws"}  # each defines run(spec) -> dict


def main() -> None:
    spec = json.load(sys.stdin)
    mode = spec["mode"]
    if mode in MODULES:
        import importlib

        result = importlib.import_module(MODULES[mode]).run(spec)
    else:
        result = MODES[mode](spec)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
