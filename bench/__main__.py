"""Shanghui+ benchmarks: one command, one table, every figure beside a baseline measured in the same run.

    ./dev bench [--quick]            (or .venv/bin/python -m bench [--quick])

Runs against PostgreSQL: BENCH_DATABASE_URL, else the server of DATABASE_URL (when it is PostgreSQL),
else postgres://postgres@127.0.0.1:5432 — always in databases of its own ("shanghui_bench",
"shanghui_bench_search"), dropped and created afresh, dropped again at the end (--keep-db keeps them).
Starts the real server as production does (`shanghui serve`: uvicorn with --workers processes and the
task worker, on 127.0.0.1 and a free port) and drives it from a separate load generator process.

Parts (docs/performance.md explains each figure):
  1 workflow  workflow actions through /api/v1/ against the same transaction in psycopg
  2 stats     the statistics page, the overdue queue, the case list and the follow-ups list (two
              personas, default and filtered views) from 10k to 1M cases vs count(*)
  3 search    catalogue search quality and latency vs a substring match
  4 live      live messages across two server processes sharing Redis vs Redis pub/sub
  5 memory    peak resident memory of each web worker and the task worker during the run

Prints one table and writes bench/results/bench-<time>.json and bench/results/latest.json.
--quick finishes in under two minutes (smaller scales); the full run in under twenty.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench.harness import (
    RESULTS,
    Context,
    Line,
    Server,
    bench_database_url,
    database_name,
    drop_database,
    login_sessions,
    postgres_reachable,
    recreate_database,
    redis_url,
    running,
    setup_django,
)

PARTS = ("workflow", "stats", "search", "live")


def session_cookie(user_id: int) -> dict[str, str]:
    """A logged-in session cookie for `user_id`."""
    from django.conf import settings

    from shanghui.accounts.models import User

    return {settings.SESSION_COOKIE_NAME: login_sessions([User.objects.get(pk=user_id)])[0]}


def print_table(lines: Sequence[Line], header: str) -> None:
    widths = [4, 52, 24, 28, 9, 18]
    titles = ["part", "figure", "value", "baseline (same run)", "ratio", "target"]

    def cell(text: str, width: int) -> str:
        # CJK characters take two columns in a terminal.
        pad = width - sum(2 if ord(c) > 0x2E80 else 1 for c in text)
        return text + " " * max(1, pad)

    print()
    print(header)
    print("".join(cell(t, w) for t, w in zip(titles, widths, strict=True)).rstrip())
    print("-" * sum(widths))
    for line in lines:
        values = [line.part, line.figure, line.value, line.baseline, line.ratio, line.target]
        print("".join(cell(v, w) for v, w in zip(values, widths, strict=True)).rstrip())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(__doc__ or "").split("\n\n", 1)[1],
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="smaller scales, under two minutes")
    parser.add_argument(
        "--only", default=",".join(PARTS), help=f"comma-separated parts (default {','.join(PARTS)})"
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument("--keep-db", action="store_true", help="keep the bench databases afterwards")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part: {', '.join(unknown)} (known: {', '.join(PARTS)})")

    url = bench_database_url()
    if problem := postgres_reachable(url):
        print(f"PostgreSQL is not reachable for {database_name(url)}: {problem}", file=sys.stderr)
        print(
            "Set BENCH_DATABASE_URL (or DATABASE_URL) to a PostgreSQL server this user may create databases on.",
            file=sys.stderr,
        )
        return 2
    started = time.monotonic()
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(f"==> bench database {database_name(url)} (created afresh)", flush=True)
    recreate_database(url)
    lines: list[Line] = []
    report: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_average_at_start": os.getloadavg(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "parts": {},
    }
    try:
        setup_django(url)
        from django.conf import settings
        from django.db import connection

        from bench import live, search, seed, stats, workflow

        version = int(getattr(connection, "pg_version", 0))
        report["database"] = {
            "vendor": connection.vendor,
            "version": f"{version // 10000}.{version % 10000}",
            "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
        }
        print("==> building the world (organisations, items, a federation admin)", flush=True)
        world = seed.build_world(random.Random(7))
        redis = redis_url()
        # As production runs it (.env.example): a connection pool per web process, Redis shared by
        # the processes; the per-token API limit off, or the load would be refused by design.
        server_env = {
            "DB_POOL_MAX_SIZE": os.environ.get("DB_POOL_MAX_SIZE", "8"),
            "API_RATE_LIMIT": "0",
            **({"REDIS_URL": redis} if redis else {}),
        }
        server = Server(url, workers=args.workers, env=server_env)
        report["server"] = {
            "workers": args.workers,
            "task_worker": True,
            "redis": bool(redis),
            "env": server_env,
        }
        print(f"==> starting the server (uvicorn --workers {args.workers} and the task worker)", flush=True)
        with running(server):
            ctx = Context(args.quick, server, session_cookie(world.admin_id), world, url)
            for name, module in (("workflow", workflow), ("stats", stats), ("live", live)):
                if name in parts:
                    print(f"==> part {name}", flush=True)
                    part_lines, data = module.run(ctx)
                    lines += part_lines
                    report["parts"][name] = data
            memory = server.peak_memory()
        report["parts"]["memory"] = memory
        if "search" in parts:
            print("==> part search (its own process and database)", flush=True)
            part_lines, data = search.run(args.quick, url)
            lines += part_lines
            report["parts"]["search"] = data
        lines += [
            Line("5", f"peak RSS per web worker ({len(memory['web_workers_mb'])})",
                 " / ".join(f"{m:.0f} MiB" for m in memory["web_workers_mb"]) or "—"),
            Line("5", "peak RSS of the task worker",
                 " / ".join(f"{m:.0f} MiB" for m in memory["task_workers_mb"]) or "—"),
        ]  # fmt: skip
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            drop_database(url)
    part_order = {p: i for i, p in enumerate("12345")}
    lines.sort(key=lambda line: part_order.get(line.part, 9))
    elapsed = time.monotonic() - started
    report["seconds"] = round(elapsed, 1)
    report["load_average_at_end"] = os.getloadavg()
    report["table"] = [line.as_json() for line in lines]
    database = report.get("database", {})
    header = (
        f"Shanghui+ benchmarks · {report['mode']} · PostgreSQL {database.get('version', '?')} · "
        f"{report['machine']['cpus']} CPUs (load average {report['load_average_at_start'][0]:.1f} at the start, "
        f"{report['load_average_at_end'][0]:.1f} at the end) · {args.workers} web workers · {elapsed:.0f} s"
    )
    print_table(lines, header)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for path in (RESULTS / f"bench-{stamp}.json", RESULTS / "latest.json"):
        path.write_text(
            json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
        )
    print(f"\nwritten: bench/results/bench-{stamp}.json (and latest.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
