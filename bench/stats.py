"""Part 2, statistics at scale: the federation statistics page, the overdue queue, and the case list and
follow-ups list (federation admin and an agent of one point, default and filtered views) at 10,000, 100,000
and 1,000,000 cases (quick: 5,000 and 25,000), against a plain `SELECT count(*) FROM proxy_case` timed
in the same run on the same database.

For each scale: the cases are added by COPY (seeding time reported apart), VACUUM ANALYZE runs (as
autovacuum would), the statistics summaries are rebuilt from the cases (timed: it is what a tree move
costs); then, over HTTP against the running server as the federation admin, the statistics page and the
overdue queue are requested `repeats` times in a row by the load generator, and every statistics page
must show the full number of cases. For comparison the page's figures are also computed the
straightforward way (counted from the cases, in this process), and both ways must give equal figures.
"""

from __future__ import annotations

import random
import time
from typing import Any
from urllib.parse import quote

from bench import seed
from bench.harness import Context, Line, latency, login_sessions, ms, ratio, run_load, timed

FULL_SCALES = (10_000, 100_000, 1_000_000)
QUICK_SCALES = (5_000, 25_000)
TARGET_P95_MS = 100


# The staff lists at scale (issue 18, item 3): the case list and the follow-ups list, for the federation
# admin (every case) and an agent of the busiest proxy point (one point's cases), each on its default
# view and on filtered ones. (key, figure, persona, path; "{name}" is an applicant's name.)
LIST_PAGES = (
    ("cases_all", "case list, default (全部)", "admin", "/cases/"),
    ("cases_status", "case list, status=已受理", "admin", "/cases/?status=accepted"),
    ("cases_search", "case list, search a name", "admin", "/cases/?q={name}"),
    ("followups", "follow-ups, default (未办结)", "admin", "/cases/followups/"),
    ("followups_closed", "follow-ups, state=已办结", "admin", "/cases/followups/?state=closed"),
    ("agent_cases", "case list, default (待预审)", "agent", "/cases/"),
    ("agent_cases_status", "case list, status=已送达", "agent", "/cases/?status=delivered"),
    ("agent_cases_search", "case list, search a name", "agent", "/cases/?q={name}"),
    ("agent_followups", "follow-ups, default (未办结)", "agent", "/cases/followups/"),
    ("agent_followups_closed", "follow-ups, state=已办结", "agent", "/cases/followups/?state=closed"),
)
PERSONAS = {"admin": "federation admin", "agent": "agent of 1 point"}
LIST_EXPECT = {"/cases/": 'data-testid="case-queues"', "/cases/followups/": 'data-testid="follow-up-states"'}


def _agent_cookies(ctx: Context) -> dict[str, str]:
    """A logged-in agent of the busiest proxy point (the narrow persona)."""
    from django.conf import settings

    from shanghui.accounts.models import User
    from shanghui.orgs import services as orgs
    from shanghui.orgs.models import Organisation, Role

    agent, created = User.objects.get_or_create(username="bench_point_agent")
    if created:
        point = Organisation.objects.get(pk=ctx.world.points[0][0])
        orgs.grant_role(actor=None, user=agent, organisation=point, role=Role.AGENT)
    return {settings.SESSION_COOKIE_NAME: login_sessions([agent])[0]}


def _page(
    ctx: Context,
    path: str,
    expect: str,
    repeats: int,
    cookies: dict[str, str] | None = None,
    seconds: float = 120,
) -> dict[str, Any]:
    result = run_load(
        {
            "mode": "get",
            "base_url": ctx.server.base_url,
            "path": path,
            "cookies": ctx.cookies if cookies is None else cookies,
            "requests": repeats,
            "warmup": 3,
            "seconds": seconds,
            "expect": expect,
        },  # fmt: skip
        timeout=seconds + 180,
    )
    if result["errors"]:
        raise RuntimeError(f"{path}: {result['errors']} bad answers, e.g. {result['first_error']}")
    return latency(result["samples"])


def run(ctx: Context) -> tuple[list[Line], dict[str, Any]]:
    from django.db import connection
    from django.utils import timezone

    from shanghui.accounts.models import User
    from shanghui.proxy import queries, summaries
    from shanghui.proxy.access import cases_for_user
    from shanghui.proxy.models import CaseStat

    scales = QUICK_SCALES if ctx.quick else FULL_SCALES
    repeats = 20 if ctx.quick else 60
    rng = random.Random(20260101)
    now = time.time()
    admin = User.objects.get(pk=ctx.world.admin_id)
    persona_cookies = {"admin": ctx.cookies, "agent": _agent_cookies(ctx)}
    name = quote(ctx.world.id_pool[0][0])
    data: dict[str, Any] = {"scales": []}
    lines: list[Line] = []
    seeded = 0
    for scale in scales:
        added = seed.seed_cases(ctx.world, scale - seeded, start_id=seeded + 1, rng=rng, now=now)
        seeded = scale
        started = time.perf_counter()
        rows = summaries.rebuild()
        rebuild_s = time.perf_counter() - started
        vacuum_s = seed.vacuum_analyze()

        def count() -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM proxy_case")
                cursor.fetchone()

        count()
        baseline = latency(timed(count, repeats))
        stats_page = _page(ctx, "/cases/stats/", f'data-testid="stats-total">{scale}<', repeats)
        overdue = _page(ctx, "/cases/?queue=overdue", 'data-testid="case-queues"', repeats)
        # Bounded in time: before the fixes some of these took seconds at a million cases.
        lists = {
            key: _page(
                ctx,
                path.format(name=name),
                LIST_EXPECT[path.split("?")[0]],
                repeats,
                cookies=persona_cookies[persona],
                seconds=45,
            )  # fmt: skip
            for key, _figure, persona, path in LIST_PAGES
        }

        # The straightforward computation (what the page did before the summaries), fewer times: at a
        # million cases it takes seconds.
        direct_runs = 2 if scale >= 500_000 else 5
        at = timezone.now()
        direct = latency(timed(lambda at=at: queries.case_statistics(cases_for_user(admin), at), direct_runs))
        equal = queries.statistics_for(admin, at) == queries.case_statistics(cases_for_user(admin), at)
        entry = {
            "cases": scale,
            "seeded": {
                "cases": added.cases,
                "events": added.events,
                "ratings": added.ratings,
                "follow_ups": added.follow_ups,
                "copy_s": round(added.seconds, 1),
                "vacuum_analyze_s": round(vacuum_s, 1),
                "statuses": dict(added.statuses),
            },  # fmt: skip
            "summary": {
                "rebuild_s": round(rebuild_s, 2),
                "rows": rows,
                "federation_rows": CaseStat.objects.filter(viewer_id=ctx.world.city_id).count(),
            },  # fmt: skip
            "count_star": baseline,
            "stats_page": stats_page,
            "overdue_queue": overdue,
            "lists": lists,
            "counted_from_cases": direct,
            "figures_equal": equal,
        }
        data["scales"].append(entry)
        label = f"{scale:,}"
        lines += [
            Line("2", f"seed {label} cases (COPY, cumulative)", f"{added.seconds:.1f} s",
                 f"+{added.events:,} events"),
            Line("2", f"stats page p50/p95 @{label}", f"{ms(stats_page['p50_ms'])} / {ms(stats_page['p95_ms'])}",
                 f"count(*) {ms(baseline['p95_ms'])}", ratio(stats_page["p95_ms"], baseline["p95_ms"]),
                 f"p95<{TARGET_P95_MS} ms @1M"),
            Line("2", f"overdue queue p50/p95 @{label}", f"{ms(overdue['p50_ms'])} / {ms(overdue['p95_ms'])}",
                 f"count(*) {ms(baseline['p95_ms'])}", ratio(overdue["p95_ms"], baseline["p95_ms"])),
            *(
                Line("2", f"{figure}, {PERSONAS[persona]} p50/p95 @{label}",
                     f"{ms(lists[key]['p50_ms'])} / {ms(lists[key]['p95_ms'])}", f"count(*) {ms(baseline['p95_ms'])}",
                     ratio(lists[key]["p95_ms"], baseline["p95_ms"]), f"p95<{TARGET_P95_MS} ms @1M")
                for key, figure, persona, _path in LIST_PAGES
            ),
            Line("2", f"  counted from cases (old path) @{label}", ms(direct["p50_ms"]),
                 f"summaries {ms(stats_page['p50_ms'])}", ratio(direct["p50_ms"], stats_page["p50_ms"]),
                 "same figures" if equal else "FIGURES DIFFER"),
            Line("2", f"  summaries rebuild @{label}", f"{rebuild_s:.2f} s", f"{rows:,} rows"),
        ]  # fmt: skip
    first, last = data["scales"][0], data["scales"][-1]
    growth = last["cases"] / first["cases"]
    page_growth = last["stats_page"]["p95_ms"] / first["stats_page"]["p95_ms"]
    count_growth = last["count_star"]["p95_ms"] / first["count_star"]["p95_ms"]
    at_target_scale = last["cases"] >= FULL_SCALES[-1]
    met = last["stats_page"]["p95_ms"] < TARGET_P95_MS
    queue_growth = last["overdue_queue"]["p95_ms"] / first["overdue_queue"]["p95_ms"]
    data["growth"] = {
        "cases": growth, "stats_page_p95": page_growth, "overdue_queue_p95": queue_growth,
        "count_star_p95": count_growth,
    }  # fmt: skip
    span = f"{first['cases']:,}→{last['cases']:,} (×{growth:.0f} cases)"
    lines += [
        Line("2", f"stats p95 growth {span}", f"×{page_growth:.2f}", f"count(*) ×{count_growth:.1f}", "",
             (("met" if met else "NOT met") + f" @{last['cases']:,}") if at_target_scale else "full run only"),
        Line("2", f"overdue queue p95 growth {span}", f"×{queue_growth:.2f}", f"count(*) ×{count_growth:.1f}"),
    ]  # fmt: skip
    data["growth"]["lists_p95"] = {}
    for key, figure, persona, _path in LIST_PAGES:
        p95 = last["lists"][key]["p95_ms"]
        list_growth = p95 / first["lists"][key]["p95_ms"]
        data["growth"]["lists_p95"][key] = list_growth
        verdict = (
            (("met" if p95 < TARGET_P95_MS else "NOT met") + f" @{last['cases']:,}")
            if at_target_scale
            else ""
        )
        lines.append(
            Line("2", f"{figure}, {PERSONAS[persona]} p95 growth", f"×{list_growth:.2f}",
                 f"count(*) ×{count_growth:.1f}", "", verdict)
        )  # fmt: skip
    return lines, data
