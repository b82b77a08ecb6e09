"""Part 1, workflow throughput: actions per second and p50/p99 latency of
`POST /api/v1/cases/{case_id}/actions/{action}` at 8, 32 and 128 concurrent clients with API tokens
(quick: 8 and 32), against the same logical transaction done directly with psycopg by as many clients.

Set-up (timed apart, not a measurement): 100,000 cases (quick: 5,000) by COPY with their two-year
stories (bench/seed.py); then 70% of them are put back to "just submitted" at a proxy point (recent
creation and submission, a timeline of create + submit, no rating): that is the state from which the
point's agent forwards a case to the window of its department in the applicant's county. One agent
account per client, each with its own write token (`Authorization: Bearer shp_…`), at a proxy point of
its own (128 clients over the 60 points: two or three agents share a point, never a case); one clerk per
window, who is notified of each forward as in life. The statistics summaries are rebuilt and the tables
vacuumed, as after any bulk load.

Per level of concurrency, in the load generator's process (bench/load_actions.py):

* the baseline: as many psycopg connections as clients (capped by the server's free connections:
  max_connections is 100 here), each in a loop `BEGIN; SELECT … FOR UPDATE; UPDATE proxy_case …;
  INSERT INTO proxy_caseevent …; INSERT INTO notify_outboxmessage …; COMMIT` on cases of its own, for a
  fixed time: transactions per second and their p50/p99;
* the real thing: as many HTTP clients, each on its own keep-alive connection, forwarding the cases of
  its own list (`{"expected_status": "submitted", "params": {"window": …}}`) one after the other,
  bounded in requests and seconds. Every answer must be 200: anything else is an error, reported.
  Then the bench waits until the task worker has delivered what the actions queued (outbox), so that
  one level's background work does not slow the next measurement; how long that took is kept, and the
  CPU time the web workers spent during the run and the task worker until it was done, per action.

Beside them, a few actions are made in the bench process itself through Django's test client (the same
middleware, token authentication and endpoint) with their SQL statements counted: a figure that does
not depend on how busy the machine is.

The server must not rate-limit the tokens (API_RATE_LIMIT=0 in its environment): without that, the run
reports why and measures nothing. At the end every case, event, message and task the part wrote is
removed, so the next parts start from an empty case table.
"""

from __future__ import annotations

import math
import os
import random
import time
from dataclasses import dataclass
from typing import Any

from bench import seed
from bench.harness import Context, Line, latency, ms, ratio, run_load

ENDPOINT = "/api/v1/cases/{case_id}/actions/{action}"
# Issue 18's step (0.3× with p99 < 50 ms stays the goal after it).
TARGET_RATIO = 0.1
TARGET_P99_MS = 100.0
TARGET_CLIENTS = 32
TARGET_STATEMENTS = 12
TARGET_WEB_CPU_MS = 8.0
# A third of the task worker's CPU per action before issue 18 (11.4 ms, full run of 27 November 2026).
TARGET_TASK_CPU_MS = 11.4 / 3
WORK_SHARE = 0.7  # of the seeded cases, put back to "submitted"
# Connections left to the server, its task worker and other sessions when capping the baseline's.
SPARE_CONNECTIONS = 12
TASKS_TABLE = "django_tasks_database_dbtaskresult"
PROBES = 5  # actions made in the bench process to count their queries


@dataclass(frozen=True)
class Plan:
    cases: int
    levels: tuple[int, ...]
    seconds: float  # HTTP run per level, at most
    requests: int  # HTTP requests per level, at most
    baseline_seconds: float
    warmup: int  # untimed HTTP requests before the first level


FULL = Plan(cases=100_000, levels=(8, 32, 128), seconds=20, requests=12_000, baseline_seconds=8, warmup=200)
QUICK = Plan(cases=5_000, levels=(8, 32), seconds=4, requests=1_500, baseline_seconds=2, warmup=16)


def available() -> bool:
    """Whether this checkout routes the workflow action endpoint."""
    from django.urls import Resolver404, resolve

    try:
        resolve(ENDPOINT.format(case_id=1, action="forward"))
    except Resolver404:
        return False
    return True


def server_rate_limit(ctx: Context) -> str:
    """API_RATE_LIMIT as the server process sees it (its own env over the bench's)."""
    return ctx.server.env.get("API_RATE_LIMIT", os.environ.get("API_RATE_LIMIT", "600/min"))


# --- Set-up --------------------------------------------------------------------------------------------


@dataclass
class Agent:
    user_id: int
    point_id: int
    city: str
    token: str


def make_actors(world: seed.World, clients: int) -> list[Agent]:
    """One agent with a write token per client (at the points in turn) and one clerk per window."""
    from shanghui.accounts.models import ApiToken, User
    from shanghui.accounts.tokens import create_token
    from shanghui.orgs import services as orgs
    from shanghui.orgs.models import Organisation, Role

    points = Organisation.objects.in_bulk([p for p, _host in world.points])
    agents = []
    for c in range(clients):
        point_id, city = world.points[c % len(world.points)]
        user = User.objects.create_user(username=f"bench_agent_{c}", name=f"代办员{c}")
        orgs.grant_role(actor=None, user=user, organisation=points[point_id], role=Role.AGENT)
        _token, raw = create_token(actor=user, user=user, name="bench", scope=ApiToken.Scope.WRITE)
        agents.append(Agent(user.pk, point_id, city, raw))
    for n, window in enumerate(Organisation.objects.filter(pk__in=world.windows.values()).order_by("pk")):
        clerk = User.objects.create_user(username=f"bench_clerk_{n}", name=f"窗口人员{n}")
        orgs.grant_role(actor=None, user=clerk, organisation=window, role=Role.WINDOW_CLERK)
    return agents


# Columns a case keeps when it is put back to "submitted"; the rest take their defaults.
KEPT = {"id", "number", "query_code", "channel", "item_id", "item_version_id", "department_id", "applicant_name",
        "applicant_id_number", "applicant_id_hash", "applicant_mobile", "home_region_code", "current_address",
        "note", "created_by_id", "idempotency_key"}  # fmt: skip
SET = {"status", "proxy_point_id", "current_city", "created_at", "poa_confirmed_at", "submitted_at",
       "review_due_at", "updated_at"}  # fmt: skip


def reset_to_submitted(rows: list[tuple[int, int | None, str | None, float, float]]) -> None:
    """Put cases back to "just submitted": rows of (case id, proxy point or None to keep it, its city,
    created, submitted) in epoch seconds. Their later events, rating and follow-up go; the timeline is
    create + submit."""
    from django.db import connection, transaction

    from shanghui.proxy.models import Case

    resets, params = [], []
    for f in Case._meta.concrete_fields:
        if f.primary_key or f.column in KEPT or f.column in SET:
            continue
        value = f.get_default() if f.has_default() else (None if f.null else "")
        resets.append(f'"{f.column}" = %s')
        params.append(f.get_db_prep_save(value, connection))
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg's, for COPY
        cursor.execute(
            "CREATE TEMP TABLE bench_work (id bigint PRIMARY KEY, point bigint, city text,"
            " created timestamptz, submitted timestamptz) ON COMMIT DROP"
        )
        with cursor.copy("COPY bench_work (id, point, city, created, submitted) FROM STDIN") as copy:
            for case_id, point, city, created, submitted in rows:
                copy.write_row((case_id, point, city, _aware(created), _aware(submitted)))
        cursor.execute("ANALYZE bench_work")
        cursor.execute(
            "DELETE FROM proxy_followup f USING proxy_rating r, bench_work w"
            " WHERE f.rating_id = r.id AND r.case_id = w.id"
        )
        cursor.execute("DELETE FROM proxy_rating r USING bench_work w WHERE r.case_id = w.id")
        cursor.execute("DELETE FROM proxy_caseevent e USING bench_work w WHERE e.case_id = w.id")
        update = (  # the column names come from the model
            "UPDATE proxy_case c SET status = 'submitted', proxy_point_id = coalesce(w.point, c.proxy_point_id),"  # noqa: S608
            " current_city = coalesce(w.city, c.current_city), created_at = w.created, poa_confirmed_at = w.created,"
            " submitted_at = w.submitted, review_due_at = w.submitted + interval '1 day',"
            f" updated_at = w.submitted, {', '.join(resets)} FROM bench_work w WHERE c.id = w.id"
        )
        cursor.execute(update, params)
        cursor.execute(
            "INSERT INTO proxy_caseevent (case_id, action, from_status, to_status, actor_id, actor_kind, note,"
            " data, created_at)"
            " SELECT id, 'create', '', 'draft', NULL::bigint, 'agent', '', '{}'::jsonb, created FROM bench_work"
            " UNION ALL SELECT id, 'submit', 'draft', 'submitted', NULL, 'agent', '', '{}', submitted"
            " FROM bench_work"
        )


def _aware(epoch: float) -> Any:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, dt.UTC)


@dataclass
class Work:
    warmup: list[dict[str, Any]]  # HTTP clients of the warm-up
    probe: list[dict[str, Any]]  # one client whose actions are made in this process, queries counted
    http: dict[int, list[dict[str, Any]]]  # level → HTTP clients: {"token", "cases": [[id, action, …]]}
    baseline_pool: list[int]  # case ids for the psycopg clients
    targets: dict[int, tuple[int, int]]  # case id → (window to forward to, proxy point)


def plan_work(
    plan: Plan, agents: list[Agent], case_ids: list[int], rng: random.Random, now: float
) -> tuple[Work, list[tuple[int, int | None, str | None, float, float]]]:
    """Which case goes to which client at which level; the rows for reset_to_submitted."""
    ids = list(case_ids)
    rng.shuffle(ids)
    pool = ids[: int(len(ids) * WORK_SHARE)]
    rows: list[tuple[int, int | None, str | None, float, float]] = []
    taken = 0

    def take(agent: Agent, n: int) -> list[int]:
        nonlocal taken
        mine = pool[taken : taken + n]
        taken += len(mine)
        for case_id in mine:
            created = now - rng.uniform(2, 72) * 3600
            rows.append(
                (
                    case_id,
                    agent.point_id,
                    agent.city,
                    created,
                    min(now - 60, created + rng.uniform(0.05, 4) * 3600),
                )
            )
        return mine

    probe = [{"agent": agents[0], "ids": take(agents[0], PROBES)}]
    warm_clients = agents[:4]
    warmup = [{"agent": a, "ids": take(a, math.ceil(plan.warmup / len(warm_clients)))} for a in warm_clients]
    http: dict[int, list[dict[str, Any]]] = {}
    for level in plan.levels:
        per_client = math.ceil(plan.requests / level)
        http[level] = [{"agent": a, "ids": take(a, per_client)} for a in agents[:level]]
    baseline_pool = pool[taken:]
    for case_id in baseline_pool:
        created = now - rng.uniform(2, 72) * 3600
        rows.append((case_id, None, None, created, min(now - 60, created + rng.uniform(0.05, 4) * 3600)))
    # The targets are read after the reset.
    work = Work(warmup=warmup, probe=probe, http=http, baseline_pool=baseline_pool, targets={})
    return work, rows


def read_targets(world: seed.World, case_ids: list[int]) -> dict[int, tuple[int, int]]:
    from shanghui.proxy.models import Case

    rows = Case.objects.filter(pk__in=case_ids).values_list(
        "pk", "department_id", "home_region_code", "proxy_point_id"
    )
    return {pk: (world.windows[(department, county)], point) for pk, department, county, point in rows}


def http_clients(work: Work, clients: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "token": c["agent"].token,
            "cases": [[i, "forward", "submitted", {"window": work.targets[i][0]}] for i in c["ids"]],
        }
        for c in clients
    ]


# --- Measuring -----------------------------------------------------------------------------------------


def queries_per_action(work: Work) -> dict[str, Any]:
    """The probe client's actions made in this process through Django's test client (the same
    middleware, authentication and endpoint as the server), their SQL statements counted."""
    import json

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    [client] = http_clients(work, work.probe)
    browser = Client()
    counts: list[int] = []
    statements: list[str] = []
    for case_id, action, expected, params in client["cases"]:
        with CaptureQueriesContext(connection) as queries:
            response = browser.post(
                ENDPOINT.format(case_id=case_id, action=action),
                data=json.dumps({"expected_status": expected, "note": "", "params": params}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {client['token']}",
            )
        if response.status_code != 200:
            raise RuntimeError(f"probe action: {response.status_code} {response.content[:300]!r}")
        counts.append(len(queries.captured_queries))
        statements = [q["sql"][:200] for q in queries.captured_queries]
    return {"counts": counts, "median": sorted(counts)[len(counts) // 2], "statements": statements}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (from /proc; 0 for those gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def free_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int"
            " - (SELECT count(*) FROM pg_stat_activity)"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def pending_tasks() -> int:
    """Background tasks due now and not finished (the outbox deliveries the actions queued)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {TASKS_TABLE} WHERE status IN ('READY', 'RUNNING')"  # noqa: S608
            " AND (run_after IS NULL OR run_after <= now())"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def drain(timeout: float) -> tuple[float, int]:
    """Wait until the task worker has done what is due; (seconds waited, tasks still due)."""
    started = time.monotonic()
    left = pending_tasks()
    while left and time.monotonic() - started < timeout:
        time.sleep(0.5)
        left = pending_tasks()
    return time.monotonic() - started, left


def outbox_rows() -> int:
    from shanghui.notify.models import OutboxMessage

    return OutboxMessage.objects.count()


def _one(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "rate": round(result["rate"], 1),
        "done": result["done"],
        "elapsed_s": round(result["elapsed"], 2),
        "errors": result["errors"],
        "first_errors": result["first_errors"],
        "statuses": result["statuses"],
        **latency(result["samples"]),
    }


def cleanup(first_id: int, emptied: bool) -> None:
    """Remove what the part wrote: cases from `first_id` with everything hanging on them, the
    messages, notifications and tasks of the actions; the summaries are rebuilt by whoever seeds next.

    The task worker keeps running: the tasks waiting to run (deadline checks of cases about to go,
    delivery runs) are deleted first, then the bench waits for the one it may be running, whose row it
    will update when done (deleting that row under it would stop the worker)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TASKS_TABLE} WHERE status = 'READY'")  # noqa: S608
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            cursor.execute(f"SELECT count(*) FROM {TASKS_TABLE} WHERE status = 'RUNNING'")  # noqa: S608
            row = cursor.fetchone()
            if not row or not row[0]:
                break
            time.sleep(0.2)
        # Delivery runs the one that was running may have scheduled, and every finished task.
        cursor.execute(f"DELETE FROM {TASKS_TABLE} WHERE status <> 'RUNNING'")  # noqa: S608
        if emptied:
            cursor.execute(
                "TRUNCATE proxy_case, proxy_caseevent, proxy_rating, proxy_followup, proxy_casestat,"
                " proxy_dailyserial, notify_outboxmessage, notify_notification, conversations_message,"
                " conversations_participant, conversations_conversation CASCADE"
            )
            return
        for sql in (
            "DELETE FROM proxy_followup f USING proxy_rating r WHERE f.rating_id = r.id AND r.case_id >= %s",
            "DELETE FROM proxy_rating WHERE case_id >= %s",
            "DELETE FROM proxy_caseevent WHERE case_id >= %s",
            "DELETE FROM proxy_case WHERE id >= %s",
        ):
            cursor.execute(sql, [first_id])


def run(ctx: Context) -> tuple[list[Line], dict[str, Any]]:
    from django.db.models import Max

    from shanghui.lib.ratelimit import parse_rate
    from shanghui.proxy import summaries
    from shanghui.proxy.models import Case

    if not available():
        reason = "pending: /api/v1 not available"
        return [Line("1", "workflow actions/s, p50/p99 @8/32/128 clients", reason)], {"status": reason}
    rate_limit = server_rate_limit(ctx)
    if parse_rate(rate_limit) is not None:
        reason = f"not run: the server limits each token to {rate_limit} (start it with API_RATE_LIMIT=0)"
        return [Line("1", "workflow actions/s, p50/p99", reason)], {"status": reason}

    plan = QUICK if ctx.quick else FULL
    rng = random.Random(20260107)
    now = time.time()
    data: dict[str, Any] = {
        "plan": plan.__dict__,
        "server_env": {
            name: ctx.server.env.get(name, os.environ.get(name, default))
            for name, default in (
                ("API_RATE_LIMIT", "600/min"),
                ("DB_CONN_MAX_AGE", "0"),
                ("DB_POOL_MAX_SIZE", "0"),
            )
        },
        "levels": [],
    }
    lines: list[Line] = []
    first_id = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    emptied = first_id == 1
    part_started = time.perf_counter()
    try:
        started = time.perf_counter()
        seeded = seed.seed_cases(ctx.world, plan.cases, start_id=first_id, rng=rng, now=now)
        agents = make_actors(ctx.world, max(plan.levels))
        work, rows = plan_work(plan, agents, list(range(first_id, first_id + plan.cases)), rng, now)
        reset_to_submitted(rows)
        work.targets = read_targets(ctx.world, [r[0] for r in rows])
        stat_rows = summaries.rebuild()
        seed.vacuum_analyze()
        setup_s = time.perf_counter() - started
        data["setup"] = {
            "cases": seeded.cases,
            "events": seeded.events,
            "copy_s": round(seeded.seconds, 1),
            "reset_to_submitted": len(rows),
            "summary_rows": stat_rows,
            "total_s": round(setup_s, 1),
        }
        lines.append(
            Line("1", f"seed {plan.cases:,} cases, {len(rows):,} put back to submitted", f"{setup_s:.1f} s",
                 f"COPY {seeded.seconds:.1f} s")
        )  # fmt: skip

        warm = run_load(
            {"mode": "actions", "kind": "http", "base_url": ctx.server.base_url,
             "clients": http_clients(work, work.warmup), "seconds": 30, "requests": plan.warmup},
            timeout=120,
        )  # fmt: skip
        data["warmup"] = _summary(warm)
        data["queries"] = queries_per_action(work)
        data["setup_and_warmup_s"] = round(time.perf_counter() - part_started, 1)
        drain(60)
        dsn = ctx.database_url
        total_errors = warm["errors"]
        for level in plan.levels:
            connections = max(1, min(level, free_connections() - SPARE_CONNECTIONS))
            pool = work.baseline_pool
            lists = [[[i, *work.targets[i]] for i in pool[c::connections]] for c in range(connections)]
            base = run_load(
                {"mode": "actions", "kind": "psycopg", "dsn": dsn, "base_url": dsn, "clients": lists,
                 "seconds": plan.baseline_seconds, "processes": min(connections, os.cpu_count() or 2)},
                timeout=plan.baseline_seconds + 120,
            )  # fmt: skip
            drained_before, _ = drain(60)
            outbox_before = outbox_rows()
            web, tasks = ctx.server.web_workers(), ctx.server.task_workers()
            cpu_before = cpu_seconds(web), cpu_seconds(tasks)
            http = run_load(
                {"mode": "actions", "kind": "http", "base_url": ctx.server.base_url,
                 "clients": http_clients(work, work.http[level]), "seconds": plan.seconds,
                 "requests": plan.requests},
                timeout=plan.seconds + 180,
            )  # fmt: skip
            outbox_written = outbox_rows() - outbox_before
            web_cpu = cpu_seconds(web) - cpu_before[0]
            drained_s, left = drain(120)
            task_cpu = cpu_seconds(tasks) - cpu_before[1]
            total_errors += http["errors"] + base["errors"]
            entry: dict[str, Any] = {
                "clients": level,
                "http": _summary(http),
                "baseline": {**_summary(base), "connections": base.get("connections", connections)},
                "ratio": round(http["rate"] / base["rate"], 3) if base["rate"] else None,
                "outbox_rows_written": outbox_written,
                "task_backlog_drained_s": round(drained_s, 1),
                "tasks_left": left,
                "drained_before_s": round(drained_before, 1),
                # CPU time of the web workers during the run, of the task worker until it had done
                # what the run queued: per action, in milliseconds.
                "web_cpu_ms_per_action": round(web_cpu / http["done"] * 1000, 2) if http["done"] else None,
                "task_cpu_ms_per_action": round(task_cpu / http["done"] * 1000, 2) if http["done"] else None,
            }
            data["levels"].append(entry)
            h, b = entry["http"], entry["baseline"]
            target = ""
            if level == TARGET_CLIENTS:
                met = (entry["ratio"] or 0) >= TARGET_RATIO and h["p99_ms"] < TARGET_P99_MS
                target = f"≥{TARGET_RATIO}×, p99<{TARGET_P99_MS:.0f} ms: " + ("met" if met else "NOT met")
                data["target_met"] = met
            capped = "" if b["connections"] == level else f" ({b['connections']} conns)"
            lines.append(
                Line("1", f"actions/s, p50/p99 @{level} clients", f"{h['rate']:.0f}/s, {ms(h['p50_ms'])} / {ms(h['p99_ms'])}",
                     f"psycopg{capped} {b['rate']:.0f}/s, p99 {ms(b['p99_ms'])}", ratio(h["rate"], b["rate"]), target)
            )  # fmt: skip
        data["errors"] = total_errors
        at = next((e for e in data["levels"] if e["clients"] == TARGET_CLIENTS), data["levels"][-1])
        web_ms, task_ms = at["web_cpu_ms_per_action"], at["task_cpu_ms_per_action"]
        per_action_met = (
            data["queries"]["median"] <= TARGET_STATEMENTS
            and web_ms is not None and web_ms <= TARGET_WEB_CPU_MS
            and task_ms is not None and task_ms <= TARGET_TASK_CPU_MS
        )  # fmt: skip
        data["per_action_target_met"] = per_action_met
        lines.append(
            Line("1", f"per action: SQL statements, CPU of web / task worker @{at['clients']}",
                 f"{data['queries']['median']}; {_one(web_ms)} / {_one(task_ms)} ms",
                 "psycopg: 6 statements", "",
                 f"≤{TARGET_STATEMENTS}; ≤{TARGET_WEB_CPU_MS:.0f} / ≤{TARGET_TASK_CPU_MS:.1f} ms: "
                 + ("met" if per_action_met else "NOT met"))
        )  # fmt: skip
        lines.append(
            Line("1", "non-200 answers and failed transactions (all levels)", f"{total_errors}", "", "", "must be 0: "
                 + ("met" if total_errors == 0 else "NOT met"))
        )  # fmt: skip
    finally:
        cleanup(first_id, emptied)
    data["seconds"] = round(time.perf_counter() - part_started, 1)
    return lines, data
