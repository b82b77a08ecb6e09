"""Read-side of proxy cases: work queues, deadline filters and the statistics page.

Everything here takes a queryset already limited to what the user may see (access.cases_for_user) and
costs a fixed number of queries whatever the number of cases: counts are conditional aggregates in one
statement, lists are sliced.

"Running clock", "overdue" and "due soon" are the clocks' database filters (clocks.CLOCKS, declared with
the workflow kernel): the clock of the case's status (submitted → review, forwarded → acceptance,
accepted → processing), unless the case is paused (waiting for a correction, or suspended).
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import statistics
from dataclasses import dataclass, field
from functools import reduce
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from shanghui.catalog.models import ServiceItem
from shanghui.orgs.access import scope_for
from shanghui.orgs.models import Organisation, OrgKind, Role
from shanghui.proxy import periods, summaries
from shanghui.proxy.access import CASE_ROLES, DEPARTMENT_READER_ROLES, cases_for_user, follow_ups_for_user
from shanghui.proxy.clocks import CLOCKS
from shanghui.proxy.models import Case, CaseStat, Clock, FollowUp, Rating, Status
from shanghui.proxy.periods import ALL, Month, Period
from shanghui.workflow.clocks import ON_TIME, UNFINISHED

# Cases someone is working on (drafts and finished cases excluded).
IN_PROGRESS = (
    Status.SUBMITTED, Status.NEEDS_CORRECTION, Status.FORWARDED, Status.ACCEPTED, Status.SUSPENDED,
)  # fmt: skip
OPEN_FOLLOW_UP = (FollowUp.State.OPEN, FollowUp.State.ANSWERED, FollowUp.State.APPEALED)


# --- The case search ---------------------------------------------------------------------------------


def local_day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class CaseFilter:
    """The search and filters of the case list, for the page (forms.CaseFilterForm) and the API
    (GET /api/v1/cases) alike. A field left None (or empty) does not filter."""

    q: str = ""
    status: str | None = None
    item: int | None = None
    item_name: str = ""
    department: int | None = None
    chamber: int | None = None
    point: int | None = None
    window: int | None = None
    overdue: bool = False
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    updated_after: dt.datetime | None = None

    def apply(self, cases: QuerySet[Case], now: dt.datetime) -> QuerySet[Case]:
        # The search box: 4 digits are a mobile's last four, more digits a case number's beginning,
        # anything else an applicant's name.
        q = re.sub(r"\s+", "", self.q)
        if q:
            if q.isdigit() and len(q) == 4:
                cases = cases.filter(applicant_mobile__endswith=q)
            elif q.isdigit():
                cases = cases.filter(number__startswith=q)
            else:
                cases = cases.filter(applicant_name=q)
        if self.status:
            cases = cases.filter(status=self.status)
        if item_name := self.item_name.strip():
            cases = cases.filter(item__name__icontains=item_name)
        for value, lookup in (
            (self.item, "item_id"),
            (self.department, "department_id"),
            (self.chamber, "proxy_point__parent_id"),
            (self.point, "proxy_point_id"),
            (self.window, "window_id"),
        ):
            if value is not None:
                cases = cases.filter(**{lookup: value})
        if self.created_from:
            cases = cases.filter(created_at__gte=local_day_start(self.created_from))
        if self.created_to:
            cases = cases.filter(created_at__lt=local_day_start(self.created_to + dt.timedelta(days=1)))
        if self.overdue:
            cases = cases.filter(CLOCKS.overdue_q(now))
        if self.updated_after:
            cases = cases.filter(updated_at__gt=self.updated_after)
        return cases


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
    queues = [Queue("all", gettext("全部"), Q())]
    soon, late = Q(pk__in=[]), Q(pk__in=[])
    if points:
        mine = Q(proxy_point_id__in=points)
        queues += [
            Queue(
                "review",
                gettext("待预审"),
                mine & Q(status=Status.SUBMITTED),
                gettext("已提交、等待本代办点预审"),
            ),
            Queue(
                "correction",
                gettext("待补正"),
                mine & Q(status=Status.NEEDS_CORRECTION),
                gettext("等待申请人补正材料"),
            ),
        ]
        soon |= mine & CLOCKS.due_soon_q(now, [Clock.REVIEW])
        late |= mine & CLOCKS.overdue_q(now, [Clock.REVIEW])
    if windows:
        mine = Q(window_id__in=windows)
        window_clocks = frozenset({Clock.ACCEPTANCE, Clock.PROCESSING})
        queues += [
            Queue(
                "incoming",
                gettext("待受理"),
                mine & Q(status=Status.FORWARDED),
                gettext("已转递到本窗口、等待受理"),
            ),
            Queue(
                "processing",
                gettext("办理中"),
                mine & Q(status__in=[Status.ACCEPTED, Status.SUSPENDED]),
                gettext("本窗口已受理、尚未办结（含中止）"),
            ),
        ]
        soon |= mine & CLOCKS.due_soon_q(now, window_clocks)
        late |= mine & CLOCKS.overdue_q(now, window_clocks)
    if is_supervisor(user):
        queues.append(
            Queue("open", gettext("在办"), Q(status__in=IN_PROGRESS), gettext("已提交、尚未办结的办件"))
        )
        soon |= CLOCKS.due_soon_q(now)
        late |= CLOCKS.overdue_q(now)
    queues += [
        Queue(
            "due_soon",
            gettext("即将超期"),
            soon,
            ngettext("%(hours)d小时内到期", "%(hours)d小时内到期", CLOCKS.due_soon_hours)
            % {"hours": CLOCKS.due_soon_hours},
        ),
        Queue("overdue", gettext("已超期"), late, gettext("计时中且已超过时限")),
    ]
    return queues


TODO_QUEUES = ("review", "incoming")  # 待预审 for agents, 待受理 for clerks


def todo_queue(queues: list[Queue]) -> Queue:
    """The queue the case list opens on: the person's to-do (an agent's 待预审, a clerk's 待受理),
    全部 for supervisors."""
    return next((q for key in TODO_QUEUES for q in queues if q.key == key), queues[0])


def queue_counts(
    cases: QuerySet[Case], queues: list[Queue], by_status: dict[str, int] | None = None
) -> dict[str, int]:
    """Every queue's count in one query that reads only the cases of some queue (through the status,
    point, window and due-time indexes). `by_status`, the scope's cases by status from the
    summaries, answers the largest queues (all cases, those in progress) without reading them: with
    those in the query, it would read every case of a federation, seconds at a million."""
    counts: dict[str, int] = {}
    if by_status is not None:
        counts["all"] = sum(by_status.values())
        counts["open"] = sum(by_status.get(status, 0) for status in IN_PROGRESS)
    rest = [q for q in queues if q.key not in counts]
    if rest:
        wanted = Q()
        if all(q.key != "all" for q in rest):
            for queue in rest:
                wanted |= queue.q
        aggregates = {q.key: Count("pk", filter=q.q) if q.key != "all" else Count("pk") for q in rest}
        found = cases.filter(wanted).order_by().aggregate(**aggregates)
        counts.update({key: int(value or 0) for key, value in found.items()})
    return {q.key: counts[q.key] for q in queues}


# --- Statistics ----------------------------------------------------------------------------------------
#
# Two ways to the same figures. `case_statistics(cases)` counts the cases themselves: simple, and its
# cost grows with the number of cases (a million cases: seconds). `statistics_for(user)` reads the
# pre-aggregated counts of proxy/summaries.py for the one organisation whose subtree is the user's
# scope: its cost grows with the number of distinct figures (statuses × months, items, departments,
# points), not with the cases. Both hand the same counts to `_statistics`, which sorts, cuts and adds
# the figures that depend on the present moment (running clocks past due, follow-ups past due) and the
# medians of a bounded sample; tests/test_stats_summary.py checks that both give equal figures.

MEDIAN_SAMPLE = 5000
TOP = 10

STEPS = (
    (gettext_lazy("预审（提交→转递）"), "submitted_at", "forwarded_at"),
    (gettext_lazy("受理（转递→受理）"), "forwarded_at", "accepted_at"),
    (gettext_lazy("办理（受理→办结）"), "accepted_at", "completed_at"),
    (gettext_lazy("送达（办结→送达）"), "completed_at", "delivered_at"),
    (gettext_lazy("全程（提交→办结）"), "submitted_at", "completed_at"),
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
            return gettext("%(days).1f 天") % {"days": self.hours / 24}
        return gettext("%(hours).1f 小时") % {"hours": self.hours}


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
    period_label: str = ""

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


@dataclass
class Counts:
    """The counts both ways agree on, before they are sorted and cut."""

    status: dict[str, int] = field(default_factory=dict)  # status → cases
    departments: dict[str, int] = field(default_factory=dict)  # department name → cases
    items: dict[tuple[str, str], int] = field(default_factory=dict)  # (item, its department) → cases
    chambers: dict[str, int] = field(default_factory=dict)  # chamber name → cases
    months: dict[tuple[int, int], int] = field(default_factory=dict)  # (year, month) created, Beijing time
    finished: dict[str, tuple[int, int]] = field(default_factory=dict)  # clock → (finished, on time)
    levels: dict[int, int] = field(default_factory=dict)  # rating level → ratings
    follow_ups: int = 0  # bad-rating follow-ups, in any state

    def merge(self, other: Counts) -> None:
        """Add `other`'s counts (the cases of another part of the same period)."""
        for mine, theirs in (
            (self.status, other.status), (self.departments, other.departments), (self.items, other.items),
            (self.chambers, other.chambers), (self.months, other.months), (self.levels, other.levels),
        ):  # fmt: skip
            for key, n in theirs.items():
                _add(mine, key, n)
        for clock, (done, on_time) in other.finished.items():
            before = self.finished.get(clock, (0, 0))
            self.finished[clock] = (before[0] + done, before[1] + on_time)
        self.follow_ups += other.follow_ups


def _add(counter: dict[Any, int], key: Any, n: int) -> None:
    counter[key] = counter.get(key, 0) + n


def _median_hours(spans: list[dt.timedelta | None]) -> tuple[int, float | None]:
    """Steps taken (both ends known, in order) and their median in hours."""
    zero = dt.timedelta(0)
    hours = [span.total_seconds() / 3600 for span in spans if span is not None and span >= zero]
    return len(hours), (round(statistics.median(hours), 1) if hours else None)


def _ranked(counter: dict[str, int], top: int | None = None) -> list[Row]:
    # Ties in name order (Python's, not the database collation's: both ways must agree).
    ranked = sorted(((n, name) for name, n in counter.items() if n), key=lambda r: (-r[0], r[1]))
    return [Row(name, n) for n, name in ranked[:top]]


def created_in(start: dt.date, end: dt.date, to_case: str = "") -> Q:
    """Cases created from the first day `start` to the day before `end` (Beijing dates)."""
    return Q(
        **{
            f"{to_case}created_at__gte": local_day_start(start),
            f"{to_case}created_at__lt": local_day_start(end),
        }
    )


def in_period(cases: QuerySet[Case], period: Period, now: dt.datetime) -> QuerySet[Case]:
    if period.start is None:
        return cases
    return cases.filter(created_in(period.start, period.bounded_end(now)))


def case_statistics(
    cases: QuerySet[Case], now: dt.datetime | None = None, period: Period = ALL
) -> Statistics:
    """The figures of the statistics page for `cases` (one scope) created in `period`, counted from
    the cases themselves: a fixed number of queries, each reading every case of the scope."""
    now = now or timezone.now()
    cases = in_period(cases.order_by(), period, now)
    counts = _counts_from_cases(cases, months_since=periods.last_months(now)[0] if period.is_all else None)
    follow_ups = FollowUp.objects.filter(rating__case__in=cases.values("pk"))
    return _statistics(cases, _open_and_late(follow_ups, now), counts, now, period)


def _counts_from_cases(cases: QuerySet[Case], months_since: Month | None = None) -> Counts:
    """The counts of `cases`, read from them (the month table only from `months_since` on)."""
    counts = Counts()
    counts.status = {status: n for status, n in cases.values_list("status").annotate(n=Count("pk"))}
    for name, n in cases.values_list("department__name").annotate(n=Count("pk")):
        _add(counts.departments, name or "—", n)
    for name, department, n in cases.values_list("item__name", "item__department__name").annotate(
        n=Count("pk")
    ):
        _add(counts.items, (name or "—", department or ""), n)
    for name, n in cases.values_list("proxy_point__parent__name").annotate(n=Count("pk")):
        _add(counts.chambers, name or "—", n)

    tz = ZoneInfo(settings.TIME_ZONE)
    by_month = cases
    if months_since is not None:
        by_month = cases.filter(created_at__gte=dt.datetime(*months_since, 1, tzinfo=tz))
    for month, n in (
        by_month.annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values_list("month")
        .annotate(n=Count("pk"))
    ):
        local = timezone.localtime(month, tz) if timezone.is_aware(month) else month
        _add(counts.months, (local.year, local.month), n)

    aggregates: dict[str, Any] = {}
    for spec in CLOCKS:
        aggregates[f"{spec.name}_finished"] = Count("pk", filter=CLOCKS.finished_q(spec))
        aggregates[f"{spec.name}_on_time"] = Count("pk", filter=CLOCKS.on_time_q(spec))
    totals = cases.aggregate(**aggregates)
    counts.finished = {
        spec.name: (totals[f"{spec.name}_finished"], totals[f"{spec.name}_on_time"]) for spec in CLOCKS
    }
    counts.levels = dict(
        Rating.objects.filter(case__in=cases.values("pk"))
        .values_list("level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts.follow_ups = FollowUp.objects.filter(rating__case__in=cases.values("pk")).count()
    return counts


@dataclass(frozen=True)
class Viewer:
    """One organisation's subtree as a case scope (org_id 0: every case)."""

    org_id: int
    path: str
    reads_departments: bool

    def q(self, to_case: str = "") -> Q:
        """The same cases as access.cases_for_user for a user whose scope this is (through
        `to_case`, e.g. "rating__case__" from follow-ups), written with the ids of the points, windows
        and departments below: no joins, and row estimates the planner gets right (with path prefixes
        through three joins it guesses 1% of the rows match, and on a federation's million cases
        sorts them all instead of reading the newest through an index)."""
        if self.org_id == summaries.ALL_CASES:
            return Q()
        kinds = [
            OrgKind.PROXY_POINT,
            OrgKind.WINDOW,
            *([OrgKind.DEPARTMENT] if self.reads_departments else []),
        ]
        ids: dict[str, list[int]] = {kind: [] for kind in kinds}
        for pk, kind in Organisation.objects.filter(path__startswith=self.path, kind__in=kinds).values_list(
            "pk", "kind"
        ):
            ids[kind].append(pk)
        # Each column with the ids of its kind (an agent's point is no window): an empty list drops out.
        q = Q(**{f"{to_case}proxy_point_id__in": ids[OrgKind.PROXY_POINT]}) | Q(
            **{f"{to_case}window_id__in": ids[OrgKind.WINDOW]}
        )
        if self.reads_departments:
            q |= Q(**{f"{to_case}department_id__in": ids[OrgKind.DEPARTMENT]})
        return q


def summary_viewer(user: Any) -> Viewer | None:
    """The organisation whose summary rows count exactly the cases that access.cases_for_user(user)
    returns, or None when no single organisation's rows do.

    cases_for_user gives the cases whose point or window lies under any of the user's case-role
    grants, or whose department lies under a grant of a department reader role. A grant under another
    grant adds nothing when the upper one reads departments too (or the lower one does not), so
    after dropping those, one grant left means one organisation's rows. Users with several separate
    grants (an agent of two points) get None: their scope is small, counted from the cases."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Viewer(summaries.ALL_CASES, "", False)
    grants: dict[str, Viewer] = {}
    for grant in scope.grants:
        if grant.role in CASE_ROLES:
            seen = grants.get(grant.path)
            reads = (seen is not None and seen.reads_departments) or grant.role in DEPARTMENT_READER_ROLES
            grants[grant.path] = Viewer(grant.org_id, grant.path, reads)
    tops = [
        viewer
        for viewer in grants.values()
        if not any(
            viewer.path != upper.path
            and viewer.path.startswith(upper.path)
            and (upper.reads_departments or not viewer.reads_departments)
            for upper in grants.values()
        )
    ]
    return tops[0] if len(tops) == 1 else None


def _summary_keys(viewer: Viewer) -> tuple[dict[str, int], int] | None:
    """One organisation's summary counts by key, and the number of all cases (a city federation's
    scope usually holds every case); None when the summaries need a rebuild."""
    kinds = [False, True] if viewer.reads_departments else [False]
    rows = CaseStat.objects.filter(
        Q(viewer_id=viewer.org_id, via_department__in=kinds)
        | Q(viewer_id=summaries.ALL_CASES, via_department=False, key__startswith="s|")
        | Q(viewer_id=summaries.MARKER_VIEWER, key=summaries.STALE_KEY)
    ).values_list("viewer_id", "key", "n")
    keys: dict[str, int] = {}
    everything = 0
    for row_viewer, key, n in rows:
        if row_viewer == summaries.MARKER_VIEWER:
            return None
        if row_viewer == summaries.ALL_CASES and key.startswith("s|"):
            everything += n  # one status key per case
        if row_viewer == viewer.org_id:
            _add(keys, key, n)
    return keys, everything


@dataclass
class ScopeSummary:
    """One organisation's summary counts by key, when they are exactly a user's cases."""

    keys: dict[str, int]
    statuses: dict[str, int]  # cases by status
    every_case: bool  # the scope holds every case (a city federation's usually does)

    def organisations(self) -> list[int]:
        """The departments and proxy points that the cases name."""
        found = {
            int(summaries.parse_key(key)[2]) for key, n in self.keys.items() if n and key[:2] in ("d|", "p|")
        }
        return sorted(found)


def summary_for(user: Any) -> ScopeSummary | None:
    """The summary of the user's cases (no case is read), or None when no single organisation's
    rows are the user's scope or they need a rebuild."""
    viewer = summary_viewer(user)
    found = _summary_keys(viewer) if viewer is not None else None
    if found is None:
        return None
    keys, everything = found
    statuses: dict[str, int] = {}
    for key, n in keys.items():
        if key.startswith("s|"):
            _add(statuses, summaries.parse_status_key(key)[0], n)
    return ScopeSummary(keys, statuses, sum(statuses.values()) == everything)


def cases_in_scope(user: Any, summary: ScopeSummary | None) -> QuerySet[Case]:
    """The cases of access.cases_for_user(user), written for the lists of a large scope (`summary`:
    summary_for(user)): no filter at all when the scope holds every case, else the ids of the points,
    windows and departments below the one organisation whose scope it is (Viewer.q). With the path
    prefixes through three joins the planner misjudges how many cases match (it starts parallel
    workers to read a page of 20 at a million cases); users with separate grants keep them."""
    viewer = summary_viewer(user)
    if viewer is None:
        return cases_for_user(user)
    if summary is not None and summary.every_case:
        return Case.objects.all()
    return Case.objects.filter(viewer.q())


def follow_ups_in_scope(user: Any, summary: ScopeSummary | None) -> QuerySet[FollowUp]:
    """The follow-ups of access.follow_ups_for_user(user), written as cases_in_scope writes the cases: a
    join from the follow-ups to their cases, filtered by id lists, instead of a semi-join over every
    case in scope (at a million cases the planner built a hash of every case of the federation to
    show 20 follow-ups)."""
    viewer = summary_viewer(user)
    if viewer is None:
        return follow_ups_for_user(user)
    if summary is not None and summary.every_case:
        return FollowUp.objects.all()
    return FollowUp.objects.filter(viewer.q("rating__case__"))


def _counts_from_summaries(viewer: Viewer, months: set[Month] | None = None) -> tuple[Counts, bool] | None:
    """The counts of one organisation's summary rows (of the cases created in `months`, all when
    None), and whether its rows are every case; None when the summaries need a rebuild."""
    found = _summary_keys(viewer)
    if found is None:
        return None
    keys, everything = found
    scope_total = 0
    counts = Counts()
    finished = {spec.name: [0, 0] for spec in CLOCKS}
    departments: dict[int, int] = {}
    items: dict[int, int] = {}
    points: dict[int, int] = {}
    for key, n in keys.items():
        family = key[:1]
        if family == "s":
            status, month, outcomes = summaries.parse_status_key(key)
            scope_total += n
        else:
            _family, month, rest = summaries.parse_key(key)
        year, month_number = month.split("-")
        if months is not None and (int(year), int(month_number)) not in months:
            continue
        if family == "s":
            _add(counts.status, status, n)
            _add(counts.months, (int(year), int(month_number)), n)
            # One outcome digit per clock, in CLOCKS' order (summaries.facts_of).
            for spec, outcome in zip(CLOCKS, outcomes, strict=True):
                if outcome != UNFINISHED:
                    finished[spec.name][0] += n
                    finished[spec.name][1] += n if outcome == ON_TIME else 0
        elif family == "d":
            _add(departments, int(rest), n)
        elif family == "i":
            _add(items, int(rest), n)
        elif family == "p":
            _add(points, int(rest), n)
        elif family == "g":
            _add(counts.levels, int(rest), n)
        elif family == "f":
            counts.follow_ups += n
    counts.finished = {clock: (done, on_time) for clock, (done, on_time) in finished.items()}
    names = {
        pk: (name, parent)
        for pk, name, parent in Organisation.objects.filter(pk__in=[*departments, *points]).values_list(
            "pk", "name", "parent__name"
        )
    }
    for pk, n in departments.items():
        _add(counts.departments, names[pk][0] or "—", n)
    for pk, n in points.items():
        _add(counts.chambers, names[pk][1] or "—", n)
    for pk, name, department in ServiceItem.objects.filter(pk__in=list(items)).values_list(
        "pk", "name", "department__name"
    ):
        _add(counts.items, (name or "—", department or ""), items[pk])
    return counts, scope_total == everything


# --- Areas: a county, a chamber or a department within the viewer's scope ---------------------------

AREA_KINDS = (OrgKind.FEDERATION, OrgKind.CHAMBER, OrgKind.DEPARTMENT)
AREA_REFUSED = "所选地区不存在或不在您的管辖范围内"


def areas_for(user: Any) -> QuerySet[Organisation]:
    """The areas the statistics of `user` may be narrowed to: the county federations, chambers and
    departments under one of the user's case roles (a department only under a role that reads
    departments: the cases of a department below a chamber's or a point's role are not theirs)."""
    scope = scope_for(user)
    areas = Organisation.objects.filter(kind__in=AREA_KINDS).order_by("path")
    if scope.is_superuser:
        return areas.exclude(kind=OrgKind.FEDERATION, parent__isnull=True)
    within = Q(pk__in=[])
    for grant in scope.grants:
        if grant.role in CASE_ROLES:
            under = Q(path__startswith=grant.path)
            if grant.role not in DEPARTMENT_READER_ROLES:
                under &= ~Q(kind=OrgKind.DEPARTMENT)
            within |= under
    # The organisation that is the whole scope is no narrower area (one below another grant still is).
    grants = [g for g in scope.grants if g.role in CASE_ROLES]
    tops = [
        g.org_id for g in grants if not any(g.path != o.path and g.path.startswith(o.path) for o in grants)
    ]
    return areas.filter(within).exclude(pk__in=tops)


class AreaRefused(ValueError):
    pass


def area_for(user: Any, area_id: Any) -> Organisation:
    """The area `area_id` names, when it is one of `areas_for(user)`; AreaRefused (the same for an
    area that does not exist: never tell what lies outside the scope) otherwise."""
    try:
        pk = int(area_id)
    except (TypeError, ValueError):
        raise AreaRefused(AREA_REFUSED) from None
    if not 0 < pk < 2**63:  # beyond the database's integers
        raise AreaRefused(AREA_REFUSED)
    area = areas_for(user).filter(pk=pk).first()
    if area is None:
        raise AreaRefused(AREA_REFUSED)
    return area


def area_viewer(area: Organisation) -> Viewer:
    """An area (a county federation, a chamber, a department) as a scope: every case whose point,
    window or department lies under it."""
    return Viewer(area.pk, area.path, reads_departments=True)


def statistics_for(
    user: Any, now: dt.datetime | None = None, period: Period = ALL, area: Organisation | None = None
) -> Statistics:
    """The statistics page of `user` for the cases created in `period`, within `area` (one of
    `areas_for(user)`; the caller checks it). From the summaries when one organisation's rows are the
    scope and they are current: the period's whole months summed, and the days of a custom range
    that cover a month only in part counted from those days' cases. Else counted from the cases
    (same figures)."""
    now = now or timezone.now()
    viewer = summary_viewer(user)
    if viewer is not None and area is not None:
        # The area lies within the one organisation whose subtree is the user's scope: its cases are
        # exactly the user's cases within the area (area_choices offers no department under an
        # organisation whose roles do not read departments: chambers, points and windows hold none).
        viewer = area_viewer(area)
    parts = period.parts(now)
    whole = None if period.is_all else {part.month for part in parts if part.days is None}
    found = _counts_from_summaries(viewer, whole) if viewer is not None else None
    if viewer is None or found is None:
        cases = cases_for_user(user)
        if area is not None:
            cases = cases.filter(area_viewer(area).q())
        return case_statistics(cases, now, period)
    counts, every_case = found
    # A scope that holds every case needs no filter at all (the largest scope is the common slow one).
    every_case = every_case and period.is_all
    cases = Case.objects.order_by() if every_case else Case.objects.filter(viewer.q()).order_by()
    edges = [created_in(*part.days) for part in parts if part.days is not None]
    if edges:  # at most the two ends of a custom range, counted together: a few days' cases each
        counts.merge(_counts_from_cases(cases.filter(reduce(operator.or_, edges))))
    cases = in_period(cases, period, now)
    return _statistics(cases, _open_follow_ups(cases, now, every_case=every_case), counts, now, period)


def open_follow_ups(
    user: Any, now: dt.datetime, summary: ScopeSummary | None, responsible: list[int] | None = None
) -> int:
    """How many bad-rating follow-ups of the user's cases are open (see _open_follow_ups)."""
    every_case = summary is not None and summary.every_case
    return _open_follow_ups(cases_for_user(user), now, every_case=every_case, responsible=responsible)[0]


def _open_and_late(follow_ups: QuerySet[FollowUp], now: dt.datetime) -> tuple[int, int]:
    """How many of `follow_ups` are open, and how many of those are past due."""
    found = follow_ups.filter(state__in=OPEN_FOLLOW_UP).aggregate(
        open=Count("pk"), late=Count("pk", filter=Q(due_at__lt=now))
    )
    return found["open"], found["late"]


def _open_follow_ups(
    cases: QuerySet[Case],
    now: dt.datetime,
    *,
    every_case: bool = False,
    responsible: list[int] | None = None,
) -> tuple[int, int]:
    """The open follow-ups of `cases` (optionally only those `responsible` organisations answer for)
    and how many are past due, in index look-ups: the open follow-ups (a few thousand among a
    million cases), and unless `cases` are every case, their ratings and those of their cases in
    scope. (Joined or as a semi-join, the planner reads every rating or every case of a million.)"""
    open_ones = FollowUp.objects.filter(state__in=OPEN_FOLLOW_UP)
    if responsible is not None:
        open_ones = open_ones.filter(responsible_id__in=responsible)
    if every_case:
        return _open_and_late(open_ones, now)
    rows = list(open_ones.values_list("rating_id", "due_at"))
    case_of = dict(
        Rating.objects.filter(pk__in=[rating for rating, _due in rows]).values_list("pk", "case_id")
    )
    in_scope = set(cases.filter(pk__in=list(case_of.values())).order_by().values_list("pk", flat=True))
    dues = [due for rating, due in rows if case_of[rating] in in_scope]
    return len(dues), sum(1 for due in dues if due < now)


def _step_medians(
    cases: QuerySet[Case], now: dt.datetime, period: Period = ALL
) -> tuple[list[StepMedian], int]:
    """The median time of each step over the latest MEDIAN_SAMPLE cases submitted in the past year
    (of those created in the period, when there is one), and the sample's size. PostgreSQL computes the medians itself (percentile_cont, the same
    definition as statistics.median); elsewhere the sample's durations are read and sorted here."""
    # Durations computed by the database: a timedelta per step reads far faster than two timestamps.
    durations = {
        f"step{i}": ExpressionWrapper(F(end) - F(start), output_field=DurationField())
        for i, (_label, start, end) in enumerate(STEPS)
    }
    if period.is_all:
        cases = cases.filter(created_at__gte=now - dt.timedelta(days=365))
    sample = (
        cases.filter(submitted_at__isnull=False)
        .order_by("-created_at")
        .annotate(**durations)
        .values_list(*durations)[:MEDIAN_SAMPLE]
    )
    if connection.vendor == "postgresql":
        try:
            sql, params = sample.query.sql_with_params()
        except EmptyResultSet:  # a scope that can hold no case
            return [StepMedian(str(label), 0, None) for label, _start, _end in STEPS], 0
        taken = [f"step{i} >= interval '0'" for i in range(len(STEPS))]
        columns = ", ".join(
            f"count(*) FILTER (WHERE {where}), percentile_cont(0.5) WITHIN GROUP "
            f"(ORDER BY extract(epoch FROM step{i})) FILTER (WHERE {where})"
            for i, where in enumerate(taken)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*), {columns} FROM ({sql}) AS sample", params)  # noqa: S608  (our SQL)
            row = cursor.fetchone()
        medians = [
            StepMedian(
                str(label),
                row[1 + 2 * i],
                None if row[2 + 2 * i] is None else round(row[2 + 2 * i] / 3600, 1),
            )
            for i, (label, _start, _end) in enumerate(STEPS)
        ]
        return medians, row[0]
    rows = list(sample)
    medians = []
    for i, (label, _start, _end) in enumerate(STEPS):
        count, hours = _median_hours([row[i] for row in rows])
        medians.append(StepMedian(str(label), count, hours))
    return medians, len(rows)


def _statistics(
    cases: QuerySet[Case], follow_ups: tuple[int, int], counts: Counts, now: dt.datetime, period: Period = ALL
) -> Statistics:
    """Sort and cut the counts, and add what depends on the moment: clocks running past their due
    time (read through the (status, due time) indexes: as many rows as are late, not all cases), the
    medians of the latest MEDIAN_SAMPLE submitted cases, and the follow-ups."""
    by_status = [Row(str(label), int(counts.status.get(value, 0))) for value, label in Status.choices]
    ranked_items = sorted(
        ((n, name, department) for (name, department), n in counts.items.items() if n),
        key=lambda r: (-r[0], r[1], r[2]),
    )
    by_month = [Row(period.month_label(m, now), counts.months.get(m, 0)) for m in period.months(now)]

    overdue = cases.filter(CLOCKS.overdue_q(now)).aggregate(
        **{str(spec.name): Count("pk", filter=CLOCKS.overdue_q(now, [spec.name])) for spec in CLOCKS}
    )
    on_time = [
        OnTime(str(spec.label), *counts.finished.get(spec.name, (0, 0)), overdue[spec.name] or 0)
        for spec in CLOCKS
    ]

    medians, sample_size = _step_medians(cases, now, period)

    ratings = [Row(str(label), int(counts.levels.get(value, 0))) for value, label in Rating.Level.choices]
    rating_total = sum(r.value for r in ratings)
    satisfied = sum(n for level, n in counts.levels.items() if level >= Rating.Level.BASICALLY)

    return Statistics(
        total=sum(counts.status.values()),
        by_status=by_status,
        by_department=_ranked(counts.departments, TOP),
        by_item=[Row(name, n, [department]) for n, name, department in ranked_items[:TOP]],
        by_chamber=_ranked(counts.chambers),
        by_month=by_month,
        on_time=on_time,
        medians=medians,
        ratings=ratings,
        rating_total=rating_total,
        satisfied_rate=round(100 * satisfied / rating_total, 1) if rating_total else None,
        follow_ups_open=follow_ups[0],
        follow_ups_overdue=follow_ups[1],
        follow_ups_total=counts.follow_ups,
        sample_size=sample_size,
        period_label=period.label(now),
    )
