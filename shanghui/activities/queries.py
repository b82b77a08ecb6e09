"""The read side: counts for the lists and the statistics (person-times and distinct volunteers counted
separately; hours by chamber, month and kind; attendance and no-show rates), each a fixed number of
queries whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from shanghui.activities.models import (
    HOLDING,
    Activity,
    Attendance,
    HourRecord,
    HourState,
    SignUp,
    SignUpState,
    Status,
)
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.lib.workdays import BEIJING
from shanghui.lib.xlsx import Sheet, caption, xlsx_response

# The months as the statistics name them (1月 … 12月; Jan … Dec in English).
MONTHS = [
    gettext_noop("1月"),
    gettext_noop("2月"),
    gettext_noop("3月"),
    gettext_noop("4月"),
    gettext_noop("5月"),
    gettext_noop("6月"),
    gettext_noop("7月"),
    gettext_noop("8月"),
    gettext_noop("9月"),
    gettext_noop("10月"),
    gettext_noop("11月"),
    gettext_noop("12月"),
]


def signup_counts(activity_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """activity id → (places, people holding a place)."""
    places = dict(
        Activity.objects.filter(pk__in=activity_ids).annotate(n=Sum("slots__quantity")).values_list("pk", "n")
    )
    taken = dict(
        SignUp.objects.filter(activity_id__in=activity_ids, state__in=HOLDING).values("activity_id")
        .annotate(n=Count("pk")).order_by().values_list("activity_id", "n")
    )  # fmt: skip
    return {pk: (places.get(pk) or 0, taken.get(pk, 0)) for pk in activity_ids}


def volunteer_totals(volunteer_ids: Sequence[int]) -> dict[int, tuple[Decimal, int]]:
    """volunteer id → (approved hours, times present)."""
    hours = dict(
        HourRecord.objects.filter(volunteer_id__in=volunteer_ids, state=HourState.APPROVED).values("volunteer_id")
        .annotate(h=Sum("hours")).order_by().values_list("volunteer_id", "h")
    )  # fmt: skip
    times = dict(
        SignUp.objects.filter(volunteer_id__in=volunteer_ids, attendance=Attendance.PRESENT).values("volunteer_id")
        .annotate(n=Count("pk")).order_by().values_list("volunteer_id", "n")
    )  # fmt: skip
    return {
        pk: (Decimal(hours.get(pk) or 0).quantize(Decimal("0.1")), times.get(pk, 0)) for pk in volunteer_ids
    }


def year_of(raw: str | None) -> int:
    this_year = timezone.localdate().year
    if raw and raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= this_year + 1:
        return int(raw)
    return this_year


def years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - 5, -1))


@dataclass
class Row:
    label: str
    person_times: int = 0
    hours: Decimal = Decimal("0")


@dataclass
class Statistics:
    year: int
    activities: int
    by_status: list[tuple[str, int]]
    person_times: int
    volunteers: int
    hours: Decimal
    present: int
    no_show: int
    by_organisation: list[Row] = field(default_factory=list)
    by_month: list[Row] = field(default_factory=list)
    by_kind: list[Row] = field(default_factory=list)

    @property
    def attendance_rate(self) -> float | None:
        total = self.present + self.no_show
        return round(100 * self.present / total, 1) if total else None

    @property
    def no_show_rate(self) -> float | None:
        total = self.present + self.no_show
        return round(100 * self.no_show / total, 1) if total else None

    def charts(self) -> dict[str, Any]:
        return {
            "month": {"labels": [r.label for r in self.by_month], "person_times": [r.person_times for r in self.by_month],
                      "hours": [float(r.hours) for r in self.by_month]},
            "kind": [{"name": r.label, "value": r.person_times} for r in self.by_kind],
            "organisation": {"labels": [r.label for r in self.by_organisation[:15]],
                             "hours": [float(r.hours) for r in self.by_organisation[:15]]},
        }  # fmt: skip


def statistics(activities: QuerySet[Activity], hours: QuerySet[HourRecord], *, year: int) -> Statistics:
    start = dt.datetime(year, 1, 1, tzinfo=BEIJING)
    end = dt.datetime(year + 1, 1, 1, tzinfo=BEIJING)
    in_year = activities.filter(starts_at__gte=start, starts_at__lt=end)
    by_status = dict(in_year.values("status").annotate(n=Count("pk")).order_by().values_list("status", "n"))
    signups = SignUp.objects.filter(activity__in=in_year.values("pk"), state=SignUpState.CONFIRMED)
    attended = signups.filter(attendance=Attendance.PRESENT)
    counts = signups.aggregate(
        present=Count("pk", filter=Q(attendance=Attendance.PRESENT)),
        no_show=Count("pk", filter=Q(attendance=Attendance.NO_SHOW)),
        volunteers=Count("volunteer_id", distinct=True, filter=Q(attendance=Attendance.PRESENT)),
    )
    approved = hours.filter(state=HourState.APPROVED, served_on__gte=start.date(), served_on__lt=end.date())
    total_hours = approved.aggregate(h=Sum("hours"))["h"] or Decimal("0")

    def merge(
        times: dict[Any, int], sums: dict[Any, Decimal], labels: dict[Any, str], keys: list[Any]
    ) -> list[Row]:
        return [
            Row(labels.get(k, str(k)), times.get(k, 0), Decimal(sums.get(k) or 0).quantize(Decimal("0.1")))
            for k in keys
        ]

    # By organisation (the activity's host), most hours first.
    org_times = dict(
        attended.values("activity__organisation_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("activity__organisation_id", "n")
    )
    org_hours = dict(
        approved.values("organisation_id")
        .annotate(h=Sum("hours"))
        .order_by()
        .values_list("organisation_id", "h")
    )
    from shanghui.orgs.models import Organisation

    org_ids = set(org_times) | set(org_hours)
    org_names = {
        pk: short or name
        for pk, name, short in Organisation.objects.filter(pk__in=org_ids).values_list(
            "pk", "name", "short_name"
        )
    }
    org_keys = sorted(
        org_ids, key=lambda k: (-(org_hours.get(k) or 0), -org_times.get(k, 0), org_names.get(k, ""))
    )
    # By month (Beijing time).
    month_times = dict(
        attended.annotate(m=ExtractMonth("activity__starts_at", tzinfo=BEIJING)).values("m").annotate(n=Count("pk")).order_by().values_list("m", "n")
    )  # fmt: skip
    month_hours = dict(
        approved.annotate(m=ExtractMonth("served_on"))
        .values("m")
        .annotate(h=Sum("hours"))
        .order_by()
        .values_list("m", "h")
    )
    # By kind.
    kind_times = dict(
        attended.values("activity__kind__name")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("activity__kind__name", "n")
    )
    kind_hours = dict(
        approved.values("kind__name").annotate(h=Sum("hours")).order_by().values_list("kind__name", "h")
    )
    kind_keys = sorted(set(kind_times) | set(kind_hours), key=lambda k: -kind_times.get(k, 0))
    return Statistics(
        year=year, activities=sum(by_status.values()),
        by_status=[(str(label), by_status.get(value, 0)) for value, label in Status.choices],
        person_times=counts["present"], volunteers=counts["volunteers"], hours=Decimal(total_hours).quantize(Decimal("0.1")),
        present=counts["present"], no_show=counts["no_show"],
        by_organisation=merge(org_times, org_hours, org_names, org_keys),
        by_month=merge(month_times, month_hours, {m: gettext(MONTHS[m - 1]) for m in range(1, 13)}, list(range(1, 13))),
        by_kind=merge(kind_times, kind_hours, {}, kind_keys),
    )  # fmt: skip


def export_statistics(request: HttpRequest, stats: Statistics, *, scope: str) -> FileResponse:
    """The statistics page as a workbook; every sheet's title row names the report, `scope` (whose
    activities: the viewer's organisations), the year and the time."""
    headers = ["", gettext("参与人次（人次）"), gettext("认定时长（小时）")]
    summary: list[list[Any]] = [
        [gettext("活动场次（场）"), stats.activities], [gettext("参与人次（人次）"), stats.person_times], [gettext("参与志愿者（人）"), stats.volunteers],
        [gettext("认定时长（小时）"), float(stats.hours)], [gettext("出勤率（%）"), stats.attendance_rate or ""], [gettext("缺席率（%）"), stats.no_show_rate or ""],
    ]  # fmt: skip
    title = caption(
        gettext("活动与志愿服务统计"), scope=scope, period=gettext("%(year)s年") % {"year": stats.year}
    )
    sheets = [
        Sheet(gettext("概况"), [gettext("指标"), gettext("数值")], summary, caption=title),
        Sheet(
            gettext("按组织"),
            [gettext("组织"), *headers[1:]],
            [[r.label, r.person_times, float(r.hours)] for r in stats.by_organisation],
            caption=title,
        ),
        Sheet(
            gettext("按月份"),
            [gettext("月份"), *headers[1:]],
            [[r.label, r.person_times, float(r.hours)] for r in stats.by_month],
            caption=title,
        ),
        Sheet(
            gettext("按类型"),
            [gettext("活动类型"), *headers[1:]],
            [[r.label, r.person_times, float(r.hours)] for r in stats.by_kind],
            caption=title,
        ),
        Sheet(
            gettext("按状态"),
            [gettext("状态"), gettext("活动场次（场）")],
            [[label, n] for label, n in stats.by_status],
            caption=title,
        ),
    ]
    response = xlsx_response(
        filename=f"活动与志愿服务统计{stats.year}", sheets=sheets, ascii_name="activity-stats"
    )
    record(actor=request.user, action=AuditAction.ACTIVITY_STATS_EXPORT, request=request, object_type="activities.activity",
           detail={"year": stats.year})  # fmt: skip
    return response


@dataclass(frozen=True)
class YearFigures:
    person_times: int
    volunteers: int
    hours: Decimal
    pending: int  # hour records waiting for approval, any year


def year_figures(user: Any, year: int | None = None) -> YearFigures:
    """The home page's figures: this year's volunteer person-times, distinct volunteers and approved hours
    in the user's scope, and the hours waiting for approval (two aggregate queries)."""
    from shanghui.activities.access import activities_for_user, hours_for_user

    year = year or timezone.localdate().year
    start, end = dt.datetime(year, 1, 1, tzinfo=BEIJING), dt.datetime(year + 1, 1, 1, tzinfo=BEIJING)
    # Volunteering only (the kinds that earn hours): study sessions and party days are not volunteer service.
    activities = activities_for_user(user).filter(
        starts_at__gte=start, starts_at__lt=end, kind__counts_hours=True
    )
    present = SignUp.objects.filter(
        activity__in=activities.values("pk"), attendance=Attendance.PRESENT
    ).aggregate(n=Count("pk"), people=Count("volunteer_id", distinct=True))
    approved = Q(state=HourState.APPROVED, served_on__gte=start.date(), served_on__lt=end.date())
    hours = hours_for_user(user).aggregate(
        h=Sum("hours", filter=approved), pending=Count("pk", filter=Q(state=HourState.PENDING))
    )
    return YearFigures(
        present["n"], present["people"], Decimal(hours["h"] or 0).quantize(Decimal("0.1")), hours["pending"]
    )
