"""Part 1, workflow throughput (pending): actions per second and p50/p99 latency of
`POST /api/v1/cases/{case_id}/actions/{action}` at 8, 32 and 128 concurrent clients with API tokens,
against the same logical transaction done directly with psycopg by as many clients.

Reports "pending" while the endpoint does not exist in this checkout: no figure is made up. To plug it in:

1. seed 100,000 cases with bench.seed.seed_cases (most of them `submitted`, each client acting on
   distinct cases, e.g. `forward` then `accept`);
2. tokens: `shanghui.accounts.tokens.create_token(actor=None, user=<agent/clerk>, name="bench",
   scope="write")` returns (row, raw); send `Authorization: Bearer <raw>` and
   `{"expected_status": "submitted", "note": "", "params": {...}}`; 200 is the case, 409 a conflict;
3. add a mode "actions" to bench/load.py (asyncio clients, bounded by requests and seconds);
4. the baseline: N psycopg connections, each in a loop `BEGIN; SELECT … FROM proxy_case WHERE id=%s FOR
   UPDATE; UPDATE proxy_case SET status=…; INSERT INTO proxy_caseevent …; INSERT INTO
   notify_outboxmessage …; COMMIT` on distinct cases, in transactions per second;
5. return Lines: actions/s and p50/p99 per concurrency, the baseline's tps, and the ratio
   (target ≥ 0.3 with p99 < 50 ms at 32 clients).
"""

from __future__ import annotations

from typing import Any

from bench.harness import Context, Line

ENDPOINT = "/api/v1/cases/{case_id}/actions/{action}"


def available() -> bool:
    """Whether this checkout routes the workflow action endpoint."""
    from django.urls import Resolver404, resolve

    try:
        resolve(ENDPOINT.format(case_id=1, action="submit"))
    except Resolver404:
        return False
    return True


def run(ctx: Context) -> tuple[list[Line], dict[str, Any]]:
    if not available():
        reason = "pending: /api/v1 not available"
    else:
        reason = "pending: the endpoint exists; the throughput run is not written yet (see bench/workflow.py)"
    return [Line("1", "workflow actions/s, p50/p99 @8/32/128 clients", reason)], {"status": reason}
