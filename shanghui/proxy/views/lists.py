"""The case list: queues, search and filters, pagination and the Excel export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from shanghui.accounts.access import staff_user as _user
from shanghui.audit.actions import AuditAction
from shanghui.conversations.services import unread_counts
from shanghui.proxy import queries
from shanghui.proxy.access import intake_points
from shanghui.proxy.clocks import CLOCKS
from shanghui.proxy.forms import CaseFilterForm
from shanghui.proxy.owner import PROXY_CASE
from shanghui.proxy.views.common import require_case_pages
from shanghui.ui.listing import Export, Listing

EXPORT_CHUNK = 500


@login_required
def case_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_case_pages(user)
    now = timezone.now()
    queues = queries.queues_for(user, now)
    # A supervisor's scope can hold a million cases: its summaries name the organisations for the
    # filters and count the largest queues, so that only the cases shown are read; the scope is
    # written so that the planner reads a page of them through an index (queries.cases_in_scope).
    summary = queries.summary_for(user)
    scope = queries.cases_in_scope(user, summary)
    form = CaseFilterForm(
        request.GET, cases=scope, named=None if summary is None else summary.organisations()
    )
    listing = Listing(request, form, ignore=["queue"])
    # No queue chosen: the person's to-do (待预审, 待受理) — unless they searched, which looks at all.
    default = queues[0] if listing.filtered else queries.todo_queue(queues)
    current = next((q for q in queues if q.key == request.GET.get("queue")), default)
    cases = form.apply(scope.filter(current.q), now)
    if listing.exporting:
        detail = {"queue": current.key}
        return listing.export(CASE_EXPORT, _case_export_rows(cases, now), detail=detail)
    counts = queries.queue_counts(scope, queues, None if summary is None else summary.statuses)
    cases = cases.select_related("item", "proxy_point", "proxy_point__parent", "department", "window")
    page = listing.page(
        cases.order_by("-created_at", "-pk"), count=None if listing.filtered else counts[current.key]
    )
    # The unread badges: messages of each case's conversation the viewer has not read, in one query.
    unread = unread_counts(PROXY_CASE, [case.pk for case in page.object_list], user)
    for case in page.object_list:
        case.unread = unread.get(case.pk, 0)
    context = listing.context(
        page,
        rows=[(case, *CLOCKS.time_left(case, now)) for case in page.object_list],
        queues=[(q, counts.get(q.key, 0)) for q in queues],
        queue=current,
        can_create=intake_points(user).exists(),
        reset_url=f"{reverse('proxy:list')}?queue={current.key}",
    )
    return render(request, "proxy/case_list.html", context)


CASE_EXPORT = Export(
    name="代办件", action=AuditAction.CASE_EXPORT, object_type="proxy.case",
    headers=(
        "办件编号", "事项", "受理部门", "商会", "代办点", "受理窗口", "申请人", "手机号", "户籍区县代码", "申请渠道",
        "状态", "创建时间", "提交时间", "转递时间", "受理时间", "办结时间", "当前时限", "计时状态", "办理结果",
    ),
)  # fmt: skip


def _case_export_rows(cases: Any, now: Any) -> Iterator[list[Any]]:
    qs = cases.select_related("item", "proxy_point", "proxy_point__parent", "department", "window").order_by(
        "-created_at", "-pk"
    )
    for case in qs.iterator(chunk_size=EXPORT_CHUNK):
        _clock, _started, due = CLOCKS.running(case)
        state, _css = CLOCKS.running_state(case, now)
        yield [
            case.number, case.item.name, case.department.name, case.proxy_point.parent.name if case.proxy_point.parent else "",
            case.proxy_point.name, case.window.name if case.window else "", case.masked_applicant, case.masked_mobile,
            case.home_region_code, case.get_channel_display(), case.get_status_display(), case.created_at,
            case.submitted_at, case.forwarded_at, case.accepted_at, case.completed_at, due, state,
            case.get_result_display() if case.result else "",
        ]  # fmt: skip
