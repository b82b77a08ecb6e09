"""Pre-aggregated case counts (`CaseStat`) that let the statistics page answer in a fixed, small time
whatever the number of cases (docs/performance.md has the measurements and the choice).

Each case contributes +1 to a handful of keys, all per month of creation (its status and the outcome
of its three clocks; its item; its department; its proxy point; its rating level; its follow-up) for every organisation
whose subtree sees it: the ancestors-or-self of its proxy point and window (`via_department=False`),
those of its department that see it only through the department (`via_department=True`, counted only
for department readers, as access.cases_for_user does), and 0, "every case". A user whose case roles
all lie under one organisation then reads that organisation's rows: a few hundred, not a million cases.

Kept current in the transactions that change cases: `services.create_case`, `workflow.transition`
and `services.rate_case` call `record_change` / `record_rating`, which upsert the difference between
the case's contribution before and after (one statement; rows in a fixed order, so two transactions
never wait for each other in a cycle). Anything that writes cases another way (the demo's bulk seeding,
a data fix in SQL, the benchmarks' COPY) calls `rebuild()` or runs `shanghui rebuild_case_stats`.

A move in the organisation tree changes who sees which case: the move marks the summaries stale
(receiver in models.py), the statistics page then computes from the cases directly (same numbers,
slower) and a background task rebuilds them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django_tasks import task

from shanghui.orgs.models import PATH_STEP, Organisation
from shanghui.proxy.clocks import CLOCKS
from shanghui.proxy.models import Case, CaseStat, Clock, FollowUp, Rating, Status
from shanghui.worker.durable import enqueue_with_change

ALL_CASES = 0  # viewer of every case (superusers)
MARKER_VIEWER = -1  # holds the "stale" marker row
STALE_KEY = "stale"


Delta = Counter[tuple[int, bool, str]]


def month_key(created_at: dt.datetime) -> str:
    return timezone.localtime(created_at, ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m")


def status_key(status: str, month: str, outcomes: str) -> str:
    return f"s|{status}|{month}|{outcomes}"


def parse_status_key(key: str) -> tuple[str, str, str]:
    """(status, "YYYY-MM", three outcome digits) of an "s|…" key."""
    _, status, month, outcomes = key.split("|")
    return status, month, outcomes


@dataclass(frozen=True)
class Facts:
    """What a case contributes to the summaries, read from its row."""

    proxy_point_id: int
    window_id: int | None
    department_id: int
    item_id: int
    status_key: str


def facts_of(case: Case) -> Facts:
    # One digit per clock, in CLOCKS' order: 0 not finished against a due time, 1 on time, 2 late.
    outcomes = "".join(CLOCKS.outcome(case, spec) for spec in CLOCKS)
    return Facts(
        proxy_point_id=case.proxy_point_id,
        window_id=case.window_id,
        department_id=case.department_id,
        item_id=case.item_id,
        status_key=status_key(case.status, month_key(case.created_at), outcomes),
    )


def _ancestors(path: str) -> set[int]:
    """Ids of the organisation and its ancestors: the path is their zero-padded ids, root first."""
    return {int(path[i : i + PATH_STEP]) for i in range(0, len(path), PATH_STEP)}


def viewers(point_path: str, window_path: str, department_path: str) -> frozenset[tuple[int, bool]]:
    """(organisation id, via_department) of everyone whose subtree sees a case with these orgs."""
    direct = _ancestors(point_path) | _ancestors(window_path) | {ALL_CASES}
    through_department = _ancestors(department_path) - direct
    return frozenset({(v, False) for v in direct} | {(v, True) for v in through_department})


def month_of(status_key_text: str) -> str:
    return parse_status_key(status_key_text)[1]


def _keys(facts: Facts) -> list[str]:
    # Every figure is kept per month of creation, so that a period is a sum over its months.
    month = month_of(facts.status_key)
    return [
        facts.status_key,
        f"i|{month}|{facts.item_id}",
        f"d|{month}|{facts.department_id}",
        f"p|{month}|{facts.proxy_point_id}",
    ]


def parse_key(key: str) -> tuple[str, str, str]:
    """(family, "YYYY-MM", the rest) of any key but the status keys: "i|2026-03|12" → ("i", "2026-03",
    "12"); a follow-up "f|2026-03" → ("f", "2026-03", "")."""
    family, month, *rest = key.split("|")
    return family, month, rest[0] if rest else ""


def _add(delta: Delta, seen_by: Iterable[tuple[int, bool]], keys: list[str], n: int) -> None:
    for viewer, via_department in seen_by:
        for key in keys:
            delta[(viewer, via_department, key)] += n


def _viewers_of(facts: Facts, paths: dict[int, str]) -> frozenset[tuple[int, bool]]:
    window = paths[facts.window_id] if facts.window_id else ""
    return viewers(paths[facts.proxy_point_id], window, paths[facts.department_id])


# Only cases in these statuses can have a rating (services.rate_case checks the same).
RATED_STATUSES = frozenset({Status.DELIVERED, Status.CLOSED, Status.REFUSED})


def _paths(case: Case, ids: set[int | None]) -> dict[int, str]:
    """Paths of the organisations `ids`: those loaded with the case are taken from it, the rest read."""
    paths: dict[int, str] = {}
    for name in ("proxy_point", "window", "department"):
        if Case._meta.get_field(name).is_cached(case):  # type: ignore[union-attr]
            org = getattr(case, name)
            if org is not None:
                paths[org.pk] = org.path
    missing = ids - set(paths) - {None}
    if missing:
        paths |= dict(Organisation.objects.filter(pk__in=missing).values_list("id", "path"))
    return paths


def record_change(before: Facts | None, case: Case) -> None:
    """Inside the transaction that changed `case` (created it when `before` is None)."""
    after = facts_of(case)
    if after == before:
        return
    ids = {after.proxy_point_id, after.window_id, after.department_id}
    if before is not None:
        ids |= {before.proxy_point_id, before.window_id, before.department_id}
    paths = _paths(case, ids)
    delta: Delta = Counter()
    seen_after = _viewers_of(after, paths)
    _add(delta, seen_after, _keys(after), 1)
    if before is not None:
        seen_before = _viewers_of(before, paths)
        _add(delta, seen_before, _keys(before), -1)
        if seen_before != seen_after and parse_status_key(before.status_key)[0] in RATED_STATUSES:
            # Who sees the case changed (it was forwarded to a window): its rating moves with it.
            rated = Rating.objects.filter(case_id=case.pk).values_list("level", "follow_up__id").first()
            if rated is not None:
                keys = _rating_keys(rated[0], month_of(after.status_key), followed_up=rated[1] is not None)
                _add(delta, seen_after, keys, 1)
                _add(delta, seen_before, keys, -1)
    _apply(delta)


def _rating_keys(level: int, month: str, *, followed_up: bool) -> list[str]:
    """A rating (and its follow-up) counts in the month its case was created, like every figure."""
    return [f"g|{month}|{level}", *([f"f|{month}"] if followed_up else [])]


def record_rating(case: Case, level: int, *, followed_up: bool) -> None:
    """Inside the transaction that rated `case` (once per case), and opened a follow-up if it did."""
    facts = facts_of(case)
    ids = {facts.proxy_point_id, facts.window_id, facts.department_id} - {None}
    paths = dict(Organisation.objects.filter(pk__in=ids).values_list("id", "path"))
    delta: Delta = Counter()
    keys = _rating_keys(level, month_of(facts.status_key), followed_up=followed_up)
    _add(delta, _viewers_of(facts, paths), keys, 1)
    _apply(delta)


def _apply(delta: Delta) -> None:
    """Add `delta` to the counts in one upsert. Rows go in sorted order, so concurrent transactions
    lock the rows they share in the same order and never deadlock on them."""
    rows = sorted((key, n) for key, n in delta.items() if n)
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(CaseStat._meta.db_table)
    columns = ", ".join(quote(c) for c in ("viewer_id", "via_department", "key", "n"))
    conflict = ", ".join(quote(c) for c in ("viewer_id", "via_department", "key"))
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params: list[Any] = []
    for (viewer, via_department, key), n in rows:
        params += [viewer, via_department, key, n]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608  (names from the model)
            f"ON CONFLICT ({conflict}) DO UPDATE SET {quote('n')} = {table}.{quote('n')} + excluded.{quote('n')}",
            params,
        )


# --- Staleness and rebuild ---------------------------------------------------------------------------


def mark_stale() -> bool:
    """Mark the summaries as not to be trusted until rebuilt; True when they were fine until now."""
    _, created = CaseStat.objects.get_or_create(
        viewer_id=MARKER_VIEWER, via_department=False, key=STALE_KEY, defaults={"n": 1}
    )
    return created


def is_stale() -> bool:
    return CaseStat.objects.filter(viewer_id=MARKER_VIEWER, key=STALE_KEY).exists()


def _month_text(month: dt.datetime | dt.date) -> str:
    if isinstance(month, dt.datetime) and timezone.is_aware(month):
        month = timezone.localtime(month, ZoneInfo(settings.TIME_ZONE))
    return f"{month.year}-{month.month:02d}"


def compute() -> Delta:
    """The summaries as they should be, computed from the cases (three GROUP BY queries)."""
    paths = dict(Organisation.objects.values_list("id", "path"))
    seen: dict[tuple[int, int | None, int], frozenset[tuple[int, bool]]] = {}

    def seen_by(point: int, window: int | None, department: int) -> frozenset[tuple[int, bool]]:
        orgs = (point, window, department)
        if orgs not in seen:
            seen[orgs] = viewers(paths[point], paths[window] if window else "", paths[department])
        return seen[orgs]

    tz = ZoneInfo(settings.TIME_ZONE)
    totals: Delta = Counter()
    by_status = (
        Case.objects.order_by()
        .annotate(
            month=TruncMonth("created_at", tzinfo=tz),
            o0=CLOCKS.outcome_expression(CLOCKS[Clock.REVIEW]),
            o1=CLOCKS.outcome_expression(CLOCKS[Clock.ACCEPTANCE]),
            o2=CLOCKS.outcome_expression(CLOCKS[Clock.PROCESSING]),
        )
        .values_list("proxy_point_id", "window_id", "department_id", "status", "month", "o0", "o1", "o2")
        .annotate(n=Count("pk"))
    )
    for point, window, department, status, month, o0, o1, o2, n in by_status:
        text = _month_text(month)
        keys = [status_key(status, text, f"{o0}{o1}{o2}"), f"d|{text}|{department}", f"p|{text}|{point}"]
        _add(totals, seen_by(point, window, department), keys, n)
    by_item = (
        Case.objects.order_by()
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values_list("proxy_point_id", "window_id", "department_id", "month", "item_id")
        .annotate(n=Count("pk"))
    )
    for point, window, department, month, item, n in by_item:
        _add(totals, seen_by(point, window, department), [f"i|{_month_text(month)}|{item}"], n)
    by_level = (
        Rating.objects.order_by()
        .annotate(month=TruncMonth("case__created_at", tzinfo=tz))
        .values_list("case__proxy_point_id", "case__window_id", "case__department_id", "month", "level")
        .annotate(n=Count("pk"))
    )
    for point, window, department, month, level, n in by_level:
        _add(totals, seen_by(point, window, department), [f"g|{_month_text(month)}|{level}"], n)
    follow_ups = (
        FollowUp.objects.order_by()
        .annotate(month=TruncMonth("rating__case__created_at", tzinfo=tz))
        .values_list(
            "rating__case__proxy_point_id", "rating__case__window_id", "rating__case__department_id", "month"
        )
        .annotate(n=Count("pk"))
    )
    for point, window, department, month, n in follow_ups:
        _add(totals, seen_by(point, window, department), [f"f|{_month_text(month)}"], n)
    return totals


def rebuild() -> int:
    """Replace the summaries with counts computed from the cases; returns the number of rows.

    On PostgreSQL the table is locked against writers for the duration (case actions wait for it, a
    few seconds per million cases), so no change slips between the count and the replacement."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(CaseStat._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        CaseStat.objects.all().delete()
        rows = [
            CaseStat(viewer_id=viewer, via_department=via_department, key=key, n=n)
            for (viewer, via_department, key), n in compute().items()
            if n
        ]
        CaseStat.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@task()
def rebuild_case_stats() -> int:
    return rebuild()


def organisation_path_saved(organisation_id: int) -> None:
    """An organisation's path was rewritten (a move). If cases lie under it, who sees them changed:
    mark the summaries stale and rebuild them in the background after the move commits."""
    if CaseStat.objects.filter(viewer_id=organisation_id).exists() and mark_stale():
        enqueue_with_change(rebuild_case_stats)
