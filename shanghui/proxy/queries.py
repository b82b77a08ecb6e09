"""Read-side of proxy cases: work queues, deadline filters and the statistics page.

Everything here takes a queryset already limited to what the user may see (access.cases_for_user) and
costs a fixed number of queries whatever the number of cases: counts are conditional aggregates in one
statement, lists are sliced.

"Running clock" follows effects.running_clock as a database filter: the clock of the case's status
(submitted → review, forwarded → acceptance, accepted → processing), unless the case is paused (waiting
for a correction, or suspended). "Due soon" means due within the next DUE_SOON_HOURS.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from shanghui.orgs.access import scope_for
from shanghui.orgs.models import Role
from shanghui.proxy.access import CASE_ROLES
from shanghui.proxy.models import Case, Clock, FollowUp, Rating, Status

DUE_SOON_HOURS = 24

# The status in which each clock runs, and the field holding its due time.
CLOCK_FIELDS: dict[str, tuple[str, str]] = {
    Clock.REVIEW: (Status.SUBMITTED, "review_due_at"),
    Clock.ACCEPTANCE: (Status.FORWARDED, "acceptance_due_at"),
    Clock.PROCESSING: (Status.ACCEPTED, "processing_due_at"),
}
ALL_CLOCKS = frozenset(CLOCK_FIELDS)
# Cases someone is working on (drafts and finished cases excluded).
IN_PROGRESS = (
    Status.SUBMITTED, Status.NEEDS_CORRECTION, Status.FORWARDED, Status.ACCEPTED, Status.SUSPENDED,
)  # fmt: skip
OPEN_FOLLOW_UP = (FollowUp.State.OPEN, FollowUp.State.ANSWERED, FollowUp.State.APPEALED)


def running_q(
    *,
    clocks: frozenset[str] = ALL_CLOCKS,
    due_before: dt.datetime | None = None,
    due_from: dt.datetime | None = None,
) -> Q:
    """Cases whose running clock is one of `clocks`, optionally with its due time in [due_from, due_before)."""
    q = Q(pk__in=[])
    for clock in sorted(clocks):
        status, due_field = CLOCK_FIELDS[clock]
        part = Q(status=status, **{f"{due_field}__isnull": False})
        if due_before is not None:
            part &= Q(**{f"{due_field}__lt": due_before})
        if due_from is not None:
            part &= Q(**{f"{due_field}__gte": due_from})
        q |= part
    return Q(paused_at__isnull=True) & q


def overdue_q(now: dt.datetime, clocks: frozenset[str] = ALL_CLOCKS) -> Q:
    return running_q(clocks=clocks, due_before=now)


def due_soon_q(now: dt.datetime, clocks: frozenset[str] = ALL_CLOCKS) -> Q:
    return running_q(clocks=clocks, due_from=now, due_before=now + dt.timedelta(hours=DUE_SOON_HOURS))


# --- Queues ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    q: Q
    help: str = ""


def role_orgs(user: Any) -> tuple[list[int], list[int]]:
    """(proxy points where the user is an agent, windows where the user is a clerk)."""
    grants = scope_for(user).grants
    points = sorted({g.org_id for g in grants if g.role == Role.AGENT})
    windows = sorted({g.org_id for g in grants if g.role == Role.WINDOW_CLERK})
    return points, windows


def is_supervisor(user: Any) -> bool:
    """Whether the user reads cases beyond their own desk (chamber, federation, department, auditor)."""
    scope = scope_for(user)
    return scope.is_superuser or scope.has_role(*(set(CASE_ROLES) - {Role.AGENT, Role.WINDOW_CLERK}))


def queues_for(user: Any, now: dt.datetime | None = None) -> list[Queue]:
    """The queue tabs of the case list for this user: agents get their point's pre-review and
    correction queues, clerks their window's incoming and in-progress cases; supervisors the cases in
    progress. Everyone gets due soon and overdue, limited to the clocks they answer for."""
    now = now or timezone.now()
    points, windows = role_orgs(user)
    queues = [Queue("all", "全部", Q())]
    soon, late = Q(pk__in=[]), Q(pk__in=[])
    if points:
        mine = Q(proxy_point_id__in=points)
        queues += [
            Queue("review", "待预审", mine & Q(status=Status.SUBMITTED), "已提交、等待本代办点预审"),
            Queue("correction", "待补正", mine & Q(status=Status.NEEDS_CORRECTION), "等待申请人补正材料"),
        ]
        soon |= mine & due_soon_q(now, frozenset({Clock.REVIEW}))
        late |= mine & overdue_q(now, frozenset({Clock.REVIEW}))
    if windows:
        mine = Q(window_id__in=windows)
        window_clocks = frozenset({Clock.ACCEPTANCE, Clock.PROCESSING})
        queues += [
            Queue("incoming", "待受理", mine & Q(status=Status.FORWARDED), "已转递到本窗口、等待受理"),
            Queue(
                "processing",
                "办理中",
                mine & Q(status__in=[Status.ACCEPTED, Status.SUSPENDED]),
                "本窗口已受理、尚未办结（含中止）",
            ),
        ]
        soon |= mine & due_soon_q(now, window_clocks)
        late |= mine & overdue_q(now, window_clocks)
    if is_supervisor(user):
        queues.append(Queue("open", "在办", Q(status__in=IN_PROGRESS), "已提交、尚未办结的办件"))
        soon |= due_soon_q(now)
        late |= overdue_q(now)
    queues += [
        Queue("due_soon", "即将超期", soon, f"{DUE_SOON_HOURS}小时内到期"),
        Queue("overdue", "已超期", late, "计时中且已超过时限"),
    ]
    return queues


def queue_counts(cases: QuerySet[Case], queues: list[Queue]) -> dict[str, int]:
    """Every queue's count in one query."""
    aggregates = {q.key: Count("pk", filter=q.q) if q.key != "all" else Count("pk") for q in queues}
    return {key: int(value or 0) for key, value in cases.aggregate(**aggregates).items()}


# --- Statistics ----------------------------------------------------------------------------------------

MEDIAN_SAMPLE = 5000
TOP = 10

STEPS = (
    ("预审（提交→转递）", "submitted_at", "forwarded_at"),
    ("受理（转递→受理）", "forwarded_at", "accepted_at"),
    ("办理（受理→办结）", "accepted_at", "completed_at"),
    ("送达（办结→送达）", "completed_at", "delivered_at"),
    ("全程（提交→办结）", "submitted_at", "completed_at"),
)
# Which finished-step timestamp each clock is measured against.
ON_TIME = (
    (Clock.REVIEW, "forwarded_at", "review_due_at"),
    (Clock.ACCEPTANCE, "accepted_at", "acceptance_due_at"),
    (Clock.PROCESSING, "completed_at", "processing_due_at"),
)


@dataclass
class Row:
    label: str
    value: int
    extra: list[Any] = field(default_factory=list)


@dataclass
class OnTime:
    label: str
    finished: int
    on_time: int
    running_overdue: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.on_time / self.finished, 1) if self.finished else None


@dataclass
class StepMedian:
    label: str
    count: int
    hours: float | None

    @property
    def text(self) -> str:
        if self.hours is None:
            return "—"
        if self.hours >= 48:
            return f"{self.hours / 24:.1f} 天"
        return f"{self.hours:.1f} 小时"


@dataclass
class Statistics:
    total: int
    by_status: list[Row]
    by_department: list[Row]
    by_item: list[Row]
    by_chamber: list[Row]
    by_month: list[Row]
    on_time: list[OnTime]
    medians: list[StepMedian]
    ratings: list[Row]
    rating_total: int
    satisfied_rate: float | None
    follow_ups_open: int
    follow_ups_overdue: int
    follow_ups_total: int
    sample_size: int

    @property
    def running_overdue(self) -> int:
        return sum(o.running_overdue for o in self.on_time)

    def charts(self) -> dict[str, Any]:
        """The figures the charts draw (proxy.js), as plain JSON."""
        return {
            "status": [{"name": r.label, "value": r.value} for r in self.by_status if r.value],
            "month": {"labels": [r.label for r in self.by_month], "values": [r.value for r in self.by_month]},
            "department": {
                "labels": [r.label for r in self.by_department],
                "values": [r.value for r in self.by_department],
            },
            "rating": {"labels": [r.label for r in self.ratings], "values": [r.value for r in self.ratings]},
            "on_time": {
                "labels": [o.label for o in self.on_time],
                "values": [o.rate if o.rate is not None else 0 for o in self.on_time],
            },
        }


def _months(now: dt.datetime, count: int = 12) -> list[tuple[int, int]]:
    local = timezone.localtime(now)
    year, month = local.year, local.month
    months = []
    for _ in range(count):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _median_hours(pairs: list[tuple[dt.datetime | None, dt.datetime | None]]) -> tuple[int, float | None]:
    durations = [
        (end - start).total_seconds() / 3600 for start, end in pairs if start and end and end >= start
    ]
    return len(durations), (round(statistics.median(durations), 1) if durations else None)


def case_statistics(cases: QuerySet[Case], now: dt.datetime | None = None) -> Statistics:
    """The figures of the statistics page for `cases` (one scope): nine queries, whatever its size."""
    now = now or timezone.now()
    cases = cases.order_by()

    status_counts = dict(cases.values_list("status").annotate(n=Count("pk")))
    by_status = [Row(str(label), int(status_counts.get(value, 0))) for value, label in Status.choices]

    by_department = [
        Row(name or "—", n)
        for name, n in cases.values_list("department__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "department__name")[:TOP]
    ]
    by_item = [
        Row(name or "—", n, [dept or ""])
        for name, dept, n in cases.values_list("item__name", "item__department__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "item__name")[:TOP]
    ]
    by_chamber = [
        Row(name or "—", n)
        for name, n in cases.values_list("proxy_point__parent__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "proxy_point__parent__name")
    ]

    months = _months(now)
    first_year, first_month = months[0]
    tz = ZoneInfo(settings.TIME_ZONE)
    since = dt.datetime(first_year, first_month, 1, tzinfo=tz)
    monthly: dict[tuple[int, int], int] = {}
    for month, n in (
        cases.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values_list("month")
        .annotate(n=Count("pk"))
    ):
        local = timezone.localtime(month, tz) if timezone.is_aware(month) else month
        monthly[(local.year, local.month)] = monthly.get((local.year, local.month), 0) + n
    by_month = [Row(f"{y}-{m:02d}", monthly.get((y, m), 0)) for y, m in months]

    aggregates: dict[str, Any] = {"total": Count("pk")}
    for clock, done_field, due_field in ON_TIME:
        finished = Q(**{f"{done_field}__isnull": False, f"{due_field}__isnull": False})
        aggregates[f"{clock}_finished"] = Count("pk", filter=finished)
        aggregates[f"{clock}_on_time"] = Count(
            "pk", filter=finished & Q(**{f"{done_field}__lte": F(due_field)})
        )
        aggregates[f"{clock}_overdue"] = Count("pk", filter=overdue_q(now, frozenset({clock})))
    totals = cases.aggregate(**aggregates)
    on_time = [
        OnTime(
            str(Clock(clock).label),
            totals[f"{clock}_finished"],
            totals[f"{clock}_on_time"],
            totals[f"{clock}_overdue"],
        )
        for clock, _done, _due in ON_TIME
    ]

    fields = ["submitted_at", "forwarded_at", "accepted_at", "completed_at", "delivered_at"]
    sample = list(
        cases.filter(created_at__gte=now - dt.timedelta(days=365), submitted_at__isnull=False)
        .order_by("-created_at")
        .values_list(*fields)[:MEDIAN_SAMPLE]
    )
    index = {name: i for i, name in enumerate(fields)}
    medians = []
    for label, start, end in STEPS:
        count, hours = _median_hours([(row[index[start]], row[index[end]]) for row in sample])
        medians.append(StepMedian(label, count, hours))

    level_counts = dict(
        Rating.objects.filter(case__in=cases.values("pk"))
        .values_list("level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    ratings = [Row(str(label), int(level_counts.get(value, 0))) for value, label in Rating.Level.choices]
    rating_total = sum(r.value for r in ratings)
    satisfied = sum(n for level, n in level_counts.items() if level >= Rating.Level.BASICALLY)

    follow_ups = FollowUp.objects.filter(rating__case__in=cases.values("pk")).aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_FOLLOW_UP)),
        overdue=Count("pk", filter=Q(state__in=OPEN_FOLLOW_UP, due_at__lt=now)),
        total=Count("pk"),
    )
    return Statistics(
        total=totals["total"],
        by_status=by_status,
        by_department=by_department,
        by_item=by_item,
        by_chamber=by_chamber,
        by_month=by_month,
        on_time=on_time,
        medians=medians,
        ratings=ratings,
        rating_total=rating_total,
        satisfied_rate=round(100 * satisfied / rating_total, 1) if rating_total else None,
        follow_ups_open=follow_ups["open"],
        follow_ups_overdue=follow_ups["overdue"],
        follow_ups_total=follow_ups["total"],
        sample_size=len(sample),
    )
