"""The statistics page and its Excel export, for a period and an area within the viewer's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from shanghui.accounts.access import staff_user as _user
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.lib.xlsx import Sheet, caption, xlsx_response
from shanghui.orgs.access import scope_label as orgs_scope_label
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.proxy import periods, queries
from shanghui.proxy.clocks import CLOCKS
from shanghui.proxy.periods import Period
from shanghui.proxy.views.common import require_case_pages
from shanghui.ui.forms import BootstrapForm
from shanghui.ui.widgets import PlainSelect

AREA_GROUPS = (
    (OrgKind.FEDERATION, gettext_lazy("县（市、区）")),
    (OrgKind.CHAMBER, gettext_lazy("商会")),
    (OrgKind.DEPARTMENT, gettext_lazy("部门")),
)


class StatsFilterForm(BootstrapForm):
    """The period and the area of the statistics, from the query string. A period that names nothing or
    an area outside the viewer's scope is an error on its field; the page then shows no figures."""

    period = forms.CharField(label=gettext_lazy("统计期间"), required=False, widget=PlainSelect)
    start = forms.DateField(
        label=gettext_lazy("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    area = forms.CharField(label=gettext_lazy("地区"), required=False, widget=PlainSelect)

    def __init__(self, *args: Any, user: Any, now: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.now = now
        self.period_value = Period("all")
        self.area_value: Organisation | None = None
        period_choices: list[Any] = []
        for group, options in periods.choices(now):
            period_choices += list(options) if not group else [(group, options)]
        chosen = (self.data.get("period") or "").strip()
        if chosen and all(chosen != value for value, _label in _flat(period_choices)):
            period_choices.append((chosen, chosen))  # a period typed into the address: shown as it is
        self.fields["period"].widget.choices = period_choices
        self.areas = list(queries.areas_for(user).values_list("pk", "kind", "name", "federation_level"))
        grouped: list[Any] = [("", _("全部（我的管辖范围）"))]
        for kind, title in AREA_GROUPS:
            options = [(str(pk), name) for pk, k, name, _level in self.areas if k == kind]
            if options:
                grouped.append((str(title), options))
        self.fields["area"].widget.choices = grouped

    def clean_area(self) -> Organisation | None:
        value = self.cleaned_data.get("area")
        if not value:
            return None
        try:
            return queries.area_for(self.user, value)
        except queries.AreaRefused:
            raise forms.ValidationError(_("所选地区不存在或不在您的管辖范围内")) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            self.period_value = periods.parse(
                data.get("period") or "all", self.now, data.get("start"), data.get("end")
            )
        except periods.PeriodError as exc:
            field = "period" if (data.get("period") or "all") != "custom" else "start"
            self.add_error(field, str(exc))
        self.area_value = data.get("area")
        return data


def _flat(choices: list[Any]) -> list[tuple[str, str]]:
    flat: list[tuple[str, str]] = []
    for value, label in choices:
        flat += label if isinstance(label, list) else [(value, label)]
    return flat


def scope_label(user: Any, area: Organisation | None) -> str:
    """Whose cases the figures are: the area, else the organisations of the viewer's case roles."""
    if area is not None:
        return area.name
    return orgs_scope_label(user, queries.CASE_ROLES, everything=_("全部办件"))


@login_required
def case_stats(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_case_pages(user)
    now = timezone.now()
    form = StatsFilterForm(request.GET, user=user, now=now)
    if not form.is_valid():
        # Nothing is counted for a filter that is refused: figures of another scope or period under
        # the chosen one's heading would mislead.
        return render(request, "proxy/stats.html", {"form": form, "stats": None}, status=400)
    period, area = form.period_value, form.area_value
    stats = queries.statistics_for(user, now, period, area)
    scope = scope_label(user, area)
    if request.GET.get("export") == "xlsx":
        title = caption(gettext("代办统计"), scope=scope, period=stats.period_label, at=now)
        response = xlsx_response(
            filename=gettext("代办统计"),
            ascii_name="stats",
            sheets=[Sheet(name, headers, rows, caption=title) for name, headers, rows in stats_tables(stats)],
        )
        record(
            actor=user,
            action=AuditAction.CASE_STATS_EXPORT,
            object_type="proxy.case",
            request=request,
            detail={"total": stats.total, "period": period.code, "area": area.pk if area else None},
        )
        return response
    return render(
        request,
        "proxy/stats.html",
        {
            "form": form,
            "stats": stats,
            "scope": scope,
            "charts": stats.charts(),
            "status_bars": status_bars(stats),
            "due_soon_hours": CLOCKS.due_soon_hours,
        },
    )


def status_bars(stats: queries.Statistics) -> list[dict[str, Any]]:
    """The status chart's bars: each status, its number and its length in percent of the largest."""
    largest = max((r.value for r in stats.by_status), default=0)
    return [
        {"label": r.label, "value": r.value, "percent": round(100 * r.value / largest, 1) if largest else 0}
        for r in stats.by_status
    ]


def stats_tables(stats: queries.Statistics) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(sheet, headers with their units, rows) of every table on the statistics page."""

    def pct(value: float | None) -> Any:
        return "" if value is None else value

    return [
        (
            gettext("按状态"),
            [gettext("状态"), gettext("办件数（件）")],
            [[r.label, r.value] for r in stats.by_status],
        ),
        (
            gettext("按部门"),
            [gettext("受理部门"), gettext("办件数（件）")],
            [[r.label, r.value] for r in stats.by_department],
        ),
        (
            gettext("按事项"),
            [gettext("事项"), gettext("受理部门"), gettext("办件数（件）")],
            [[r.label, *r.extra, r.value] for r in stats.by_item],
        ),
        (
            gettext("按商会"),
            [gettext("商会"), gettext("办件数（件）")],
            [[r.label, r.value] for r in stats.by_chamber],
        ),
        (
            gettext("按月份"),
            [gettext("月份"), gettext("新建办件数（件）")],
            [[r.label, r.value] for r in stats.by_month],
        ),
        (
            gettext("按时率"),
            [
                gettext("时限"),
                gettext("已完成（件）"),
                gettext("按时完成（件）"),
                gettext("按时率（%）"),
                gettext("计时中已超期（件）"),
            ],
            [[o.label, o.finished, o.on_time, pct(o.rate), o.running_overdue] for o in stats.on_time],
        ),
        (
            gettext("环节用时"),
            [gettext("环节"), gettext("样本数（件）"), gettext("中位用时（小时）")],
            [[m.label, m.count, pct(m.hours)] for m in stats.medians],
        ),
        (
            gettext("好差评"),
            [gettext("评价"), gettext("数量（条）")],
            [[r.label, r.value] for r in stats.ratings],
        ),
        (
            gettext("差评整改"),
            [gettext("项目"), gettext("数量（件）")],
            [
                [gettext("整改未办结"), stats.follow_ups_open],
                [gettext("其中已超期"), stats.follow_ups_overdue],
                [gettext("差评整改总数"), stats.follow_ups_total],
            ],
        ),
    ]
