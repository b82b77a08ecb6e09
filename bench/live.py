"""Part 4, live messages (pending): two server processes sharing Redis, 500 WebSocket clients spread
over both in conversations of 3 to 5 participants, messages posted at a steady rate; delivery latency
p50/p99 from post to receipt on the other process, and messages lost (must be 0; target p99 < 50 ms).

Reports "pending" while this checkout routes no `/ws/conversations/…` WebSocket: no figure is made up.
To plug it in: start two harness.Server instances with the same REDIS_URL (harness.redis_url()), log
the participants in (session cookies as in bench/__main__.py), add a mode "ws" to bench/load.py that
connects to `/ws/conversations/proxy.case/<case_id>/`, sends {"type": "post", "body": …, "client_id": …}
and times each {"type": "message", "message": {…, "seq": …}} on the other participants' sockets, and
return Lines with p50/p99 and the count of messages lost.
"""

from __future__ import annotations

from typing import Any

from bench.harness import Context, Line

ROUTE = "ws/conversations/proxy.case/1/"


def available() -> bool:
    """Whether this checkout routes the conversation WebSocket."""
    from shanghui.routing import websocket_urlpatterns

    return any(pattern.pattern.match(ROUTE) for pattern in websocket_urlpatterns)


def run(ctx: Context) -> tuple[list[Line], dict[str, Any]]:
    if not available():
        reason = "pending: /ws/conversations/ not available"
    else:
        reason = "pending: the route exists; the delivery run is not written yet (see bench/live.py)"
    return [Line("4", "live messages p50/p99, lost (500 clients, 2 servers)", reason)], {"status": reason}
