"""Part 4, live messages: two server processes sharing Redis, 500 WebSocket clients spread over both in
conversations of 3 to 5 staff, messages posted at a steady rate; delivery latency from post to receipt
on the other process, messages lost (must be 0) and duplicates, against the raw Redis pub/sub round
trip at the same rate and message size through the same Redis (target: p99 < 50 ms).

Set-up, in the bench database (its time is in the JSON, not timed): cases by COPY (bench.seed), each
forwarded to a window; per conversation its own staff — agents of the case's proxy point and clerks of
its window, who act on the case and post, and in the conversations of five a federation admin of the
city who joined as a supervisor (services.join); users and memberships by bulk insert (no password:
they log in by session), one database session each. Member j of conversation c connects to server
(c + j) mod 2, so every conversation spans both processes.

The second server is `shanghui serve --no-worker` with as many web workers as the bench's server and its
settings (the same database, connection pool and REDIS_URL). The load generator (bench/load_ws.py) runs
in its own process: it measures the Redis baseline first, then connects every socket and waits for each
hello, posts for a few seconds untimed and then for the timed seconds at RATE, round the
conversations and round their members, and times every copy on its own clock. A copy counts as lost
when it has not arrived GRACE seconds after the last post.
"""

from __future__ import annotations

import random
import time
from typing import Any

from bench import seed
from bench.harness import (
    RESULTS,
    Context,
    Line,
    Server,
    cpu_seconds,
    latency,
    login_sessions,
    ms,
    ratio,
    redis_url,
    run_load,
    running,
)

ROUTE = "ws/conversations/proxy.case/1/"
PATH = "/ws/conversations/proxy.case/{case_id}/"
CLIENTS = 500
SIZES = (3, 4, 5)  # members per conversation, in turn (500 clients: 126 conversations)
# Who the members are, in order: a conversation of three is two agents and a clerk; of five, two of
# each and a supervisor.
ROLES = ("agent", "clerk", "agent", "clerk", "supervisor")
# Posts per second over all conversations: each of the 500 members posts every 25 s and each
# conversation gets a message every 6 s — far busier than case conversations are — while staying under
# what the shared two-core machine sustains (at 40/s the deliveries queued for seconds: docs/performance.md).
RATE = 20
FULL_SECONDS, QUICK_SECONDS = 60, 10
FULL_WARMUP_SECONDS, QUICK_WARMUP_SECONDS = 3, 2  # posts before the timed ones, at the same rate
FULL_BASELINE_SECONDS, QUICK_BASELINE_SECONDS = 15, 2
BODY_CHARS = 80
GRACE = 10  # seconds after the last post for deliveries still under way; later ones count as lost
TARGET_P99_MS = 50


def available() -> bool:
    """Whether this checkout routes the conversation WebSocket."""
    from shanghui.routing import websocket_urlpatterns

    return any(pattern.pattern.match(ROUTE) for pattern in websocket_urlpatterns)


def sizes(clients: int) -> list[int]:
    """Conversation sizes cycling through SIZES and adding up to `clients` exactly."""
    out: list[int] = []
    while sum(out) < clients:
        out.append(SIZES[len(out) % len(SIZES)])
    while sum(out) > clients:  # take the excess off the largest conversations, never below 3
        out[out.index(max(out))] -= 1
    return out


def build_conversations(ctx: Context, rng: random.Random) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The conversations of the run with their members' sessions and servers; what was set up."""
    from shanghui.accounts.models import User
    from shanghui.conversations import services
    from shanghui.lib.owners import Viewer
    from shanghui.orgs.models import Membership, Role
    from shanghui.proxy.models import Case
    from shanghui.proxy.owner import PROXY_CASE

    started = time.perf_counter()
    plan = sizes(CLIENTS)
    # Cases by COPY, as the statistics part seeds them; the forwarded ones have a window and clerks.
    start_id = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    seed.seed_cases(ctx.world, len(plan) * 2, start_id=start_id, rng=rng, now=time.time())
    cases = list(
        Case.objects.filter(id__gte=start_id, window_id__isnull=False)
        .order_by("id")
        .values_list("id", "proxy_point_id", "window_id")[: len(plan)]
    )
    if len(cases) < len(plan):
        raise RuntimeError(f"only {len(cases)} forwarded cases among the seeded ones; {len(plan)} needed")
    surnames, given = seed.SURNAMES, seed.GIVEN
    users: list[User] = []
    roles: list[tuple[str, int]] = []  # (role, organisation) per user
    for (_case_id, point, window), size in zip(cases, plan, strict=True):
        for role in ROLES[:size]:
            user = User(
                username=f"bench_live_{len(users):04d}",
                name=rng.choice(surnames) + "".join(rng.choice(given) for _ in range(2)),
            )
            user.set_unusable_password()  # hashing 500 passwords would take minutes and prove nothing
            users.append(user)
            organisation = {"agent": point, "clerk": window, "supervisor": ctx.world.city_id}[role]
            roles.append((role, organisation))
    User.objects.bulk_create(users)
    role_of = {"agent": Role.AGENT, "clerk": Role.WINDOW_CLERK, "supervisor": Role.FEDERATION_ADMIN}
    Membership.objects.bulk_create(
        [
            Membership(user=user, organisation_id=organisation, role=role_of[role])
            for user, (role, organisation) in zip(users, roles, strict=True)
        ]
    )
    sessions = login_sessions(users)
    conversations: list[dict[str, Any]] = []
    position = 0
    joined = 0
    for c, ((case_id, _point, _window), size) in enumerate(zip(cases, plan, strict=True)):
        conversation = services.conversation_for(PROXY_CASE, case_id)
        members = []
        for j in range(size):
            user = users[position]
            if roles[position][0] == "supervisor":
                services.join(conversation=conversation, viewer=Viewer(user=user))
                joined += 1
            members.append({"session": sessions[position], "server": (c + j) % 2, "user": user.pk})
            position += 1
        conversations.append({"case_id": case_id, "members": members})
    setup = {
        "seconds": round(time.perf_counter() - started, 1),
        "cases": len(cases),
        "users": len(users),
        "supervisors_joined": joined,
        "sizes": {str(s): plan.count(s) for s in sorted(set(plan))},
    }
    return conversations, setup


def run(ctx: Context) -> tuple[list[Line], dict[str, Any]]:
    title = f"live messages p50/p99 across processes ({CLIENTS} clients, 2 servers)"
    if not available():
        reason = "pending: /ws/conversations/ not available"
        return [Line("4", title, reason)], {"status": reason}
    redis = redis_url()
    if not redis or ctx.server.env.get("REDIS_URL") != redis:
        reason = "skipped: no Redis (two processes share conversations through Redis)"
        return [Line("4", title, reason)], {"status": reason}

    from django.conf import settings

    started = time.monotonic()
    conversations, setup = build_conversations(ctx, random.Random(4040))
    seconds = QUICK_SECONDS if ctx.quick else FULL_SECONDS
    baseline_seconds = QUICK_BASELINE_SECONDS if ctx.quick else FULL_BASELINE_SECONDS
    warmup = QUICK_WARMUP_SECONDS if ctx.quick else FULL_WARMUP_SECONDS
    # The same settings as the bench's server (database pool, Redis), without a second task worker.
    second = Server(
        ctx.database_url, workers=ctx.server.workers, task_worker=False, env=dict(ctx.server.env),
        log_path=RESULTS / "server-2.log",
    )  # fmt: skip
    spec: dict[str, Any] = {
        "mode": "ws",
        "base_url": ctx.server.base_url,
        "path": PATH,
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "conversations": conversations,
        "rate": RATE,
        "seconds": seconds,
        "warmup": warmup,
        "grace": GRACE,
        "body_chars": BODY_CHARS,
        "connect_concurrency": 40,
        "connect_timeout": 60,
        "baseline": {"redis_url": redis, "seconds": baseline_seconds, "subscribers": 2},
    }
    with running(second):
        spec["servers"] = [ctx.server.base_url, second.base_url]
        workers = ctx.server.web_workers() + second.web_workers()
        cpu_before = [cpu_seconds(pid) or 0.0 for pid in workers]
        result = run_load(spec, timeout=180 + baseline_seconds + seconds + GRACE)
        # The four web workers' CPU over the load generator's run (connect, warm-up, the timed posts,
        # the grace period): a figure that a busy machine inflates far less than the latencies.
        cpu = sum((cpu_seconds(pid) or 0.0) - before for pid, before in zip(workers, cpu_before, strict=True))
        memory = second.peak_memory()

    cross = latency(result.pop("cross_samples"))
    baseline = result.pop("baseline")
    base = latency(baseline.pop("samples"))
    lost, duplicates, failed = result["lost"], result["duplicates"], result["connect_failed"]
    # Every socket connected, nothing lost, and the 99th percentile under the target.
    met = cross["p99_ms"] < TARGET_P99_MS and lost == 0 and failed == 0
    same, ack, lag = result["same"], result["ack"], result["loop_lag"]

    def p50_p99(figures: dict[str, Any]) -> str:
        return f"{ms(figures['p50_ms'])} / {ms(figures['p99_ms'])}" if figures.get("n") else "—"

    closed = sum(result["closed_by_server"].values())
    lines = [
        Line(
            "4", title, p50_p99(cross), f"Redis pub/sub {p50_p99(base)}", ratio(cross["p99_ms"], base["p99_ms"]),
            f"p99<{TARGET_P99_MS} ms {'met' if met else 'NOT met'}",
        ),
        Line("4", "  same server, other sockets p50/p99", p50_p99(same)),
        Line("4", "  post → ack p50/p99 (the poster's answer)", p50_p99(ack)),
        Line(
            "4", "  messages lost / duplicates", f"{lost:,} / {duplicates:,}",
            f"of {result['deliveries_expected']:,} deliveries", "", f"0 lost {'met' if lost == 0 else 'NOT met'}",
        ),
        Line(
            "4", "  posts (steady rate, open loop)", f"{result['rate']:.0f}/s × {result['send_seconds']:.0f} s",
            f"{result['posts']:,} posts in {result['conversations']} conv.",
        ),
        Line(
            "4", f"  connect {result['clients']} sockets (handshake + hello)",
            f"{result['connect_seconds']:.1f} s, p99 {ms(result['handshake'].get('p99_ms', float('nan')))}",
            f"{failed} failed, {closed} closed",
        ),
        Line("4", "  load generator's loop lag p50/p99", p50_p99(lag)),
        Line(
            "4", f"  web workers' CPU for the run ({len(workers)} processes)",
            f"{cpu:.1f} s, {cpu * 1000 / max(1, result['posts']):.1f} ms per post",
            "connect, warm-up, posts, copies",
        ),
        Line(
            "4", f"  peak RSS per web worker, 2nd server ({len(memory['web_workers_mb'])})",
            " / ".join(f"{m:.0f} MiB" for m in memory["web_workers_mb"]) or "—",
        ),
    ]  # fmt: skip
    data = {
        "part_seconds": round(time.monotonic() - started, 1),
        "setup": setup,
        "rate": RATE,
        "seconds": seconds,
        "warmup_seconds": warmup,
        "body_chars": BODY_CHARS,
        "target_p99_ms": TARGET_P99_MS,
        "target_met": met,
        "cross_process": cross,
        "baseline_redis_pubsub": base | baseline | {"seconds": baseline_seconds},
        "second_server": {"workers": second.workers, "env": second.env, "memory": memory},
        "web_workers_cpu_seconds": round(cpu, 2),
        **result,
    }
    return lines, data
