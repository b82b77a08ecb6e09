"""The statistics page and its Excel export."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext

from shanghui.accounts.access import staff_user as _user
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.lib.xlsx import Sheet, xlsx_response
from shanghui.proxy import queries
from shanghui.proxy.clocks import CLOCKS
from shanghui.proxy.views.common import require_case_pages


@login_required
def case_stats(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_case_pages(user)
    stats = queries.statistics_for(user)
    if request.GET.get("export") == "xlsx":
        response = xlsx_response(
            filename=gettext("代办统计"),
            ascii_name="stats",
            sheets=[Sheet(title, headers, rows) for title, headers, rows in stats_tables(stats)],
        )
        record(
            actor=user,
            action=AuditAction.CASE_STATS_EXPORT,
            object_type="proxy.case",
            request=request,
            detail={"total": stats.total},
        )
        return response
    return render(
        request,
        "proxy/stats.html",
        {"stats": stats, "charts": stats.charts(), "due_soon_hours": CLOCKS.due_soon_hours},
    )


def stats_tables(stats: queries.Statistics) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(sheet, headers, rows) of every table on the statistics page."""

    def pct(value: float | None) -> Any:
        return "" if value is None else value

    return [
        (
            gettext("按状态"),
            [gettext("状态"), gettext("办件数")],
            [[r.label, r.value] for r in stats.by_status],
        ),
        (
            gettext("按部门"),
            [gettext("受理部门"), gettext("办件数")],
            [[r.label, r.value] for r in stats.by_department],
        ),
        (
            gettext("按事项"),
            [gettext("事项"), gettext("受理部门"), gettext("办件数")],
            [[r.label, *r.extra, r.value] for r in stats.by_item],
        ),
        (
            gettext("按商会"),
            [gettext("商会"), gettext("办件数")],
            [[r.label, r.value] for r in stats.by_chamber],
        ),
        (
            gettext("按月份"),
            [gettext("月份"), gettext("新建办件数")],
            [[r.label, r.value] for r in stats.by_month],
        ),
        (
            gettext("按时率"),
            [
                gettext("时限"),
                gettext("已完成"),
                gettext("按时完成"),
                gettext("按时率（%）"),
                gettext("计时中已超期"),
            ],
            [[o.label, o.finished, o.on_time, pct(o.rate), o.running_overdue] for o in stats.on_time],
        ),
        (
            gettext("环节用时"),
            [gettext("环节"), gettext("样本数"), gettext("中位用时（小时）")],
            [[m.label, m.count, pct(m.hours)] for m in stats.medians],
        ),
        (gettext("好差评"), [gettext("评价"), gettext("数量")], [[r.label, r.value] for r in stats.ratings]),
        (
            gettext("差评整改"),
            [gettext("项目"), gettext("数量")],
            [
                [gettext("整改未办结"), stats.follow_ups_open],
                [gettext("其中已超期"), stats.follow_ups_overdue],
                [gettext("差评整改总数"), stats.follow_ups_total],
            ],
        ),
    ]
