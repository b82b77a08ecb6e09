"""Reading cases: the list with the case list page's search and filters (proxy/queries.CaseFilter), one
case with its timeline and materials, and the audited ID-number reveal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query

from shanghui.accounts.models import User
from shanghui.apiv1.auth import user_of
from shanghui.apiv1.cases.common import operation_id, router
from shanghui.apiv1.cases.schemas import CaseDetailOut, CasePage, RevealOut, detail_of, summary_of
from shanghui.apiv1.cursor import PageParams, keyset_page, page_of
from shanghui.apiv1.errors import ApiError, with_errors
from shanghui.lib.bounds import DATE_RANGE, Day, Int, Moment
from shanghui.proxy import queries, services
from shanghui.proxy.access import can_use_case_pages, cases_for_user, get_case_for_user
from shanghui.proxy.models import Case, Status


class CaseFilters(PageParams):
    queue: str | None = Field(
        None,
        max_length=20,
        description="工作队列，与办件列表页的页签相同：all、review 待预审、correction 待补正（代办员）；"
        "incoming 待受理、processing 办理中（窗口人员）；open 在办（督办）；due_soon 即将超期、overdue 已超期",
    )
    status: Status | None = None
    q: str = Field("", max_length=40, description="办件编号（或其开头）、申请人姓名，或手机尾号 4 位")
    item: Int | None = Field(None, description="事项 id")
    department: Int | None = Field(None, description="受理部门 id")
    chamber: Int | None = Field(None, description="商会 id")
    point: Int | None = Field(None, description="代办点 id")
    window: Int | None = Field(None, description="受理窗口 id")
    overdue: bool = Field(False, description="只看计时中且已超期的办件")
    created_from: Day | None = Field(None, description=f"创建日期从（北京时间，含；{DATE_RANGE}）")
    created_to: Day | None = Field(None, description=f"创建日期至（北京时间，含；{DATE_RANGE}）")
    updated_after: Moment | None = Field(
        None, description=f"只看此时间之后有变化的办件（增量同步用；须带时区；{DATE_RANGE}）"
    )


def _filtered(cases: QuerySet[Case], filters: CaseFilters, user: User, now: dt.datetime) -> QuerySet[Case]:
    if filters.queue:
        queue = next((q for q in queries.queues_for(user, now) if q.key == filters.queue), None)
        if queue is None:
            raise ApiError(422, "没有这个工作队列", fields={"queue": ["没有这个工作队列"]})
        cases = cases.filter(queue.q)
    if filters.updated_after and filters.updated_after.tzinfo is None:
        raise ApiError(422, "updated_after 须带时区", fields={"updated_after": ["须带时区，如 +08:00 或 Z"]})
    # The same search as the case list page (forms.CaseFilterForm).
    search = queries.CaseFilter(
        q=filters.q, status=filters.status, item=filters.item, department=filters.department,
        chamber=filters.chamber, point=filters.point, window=filters.window, overdue=filters.overdue,
        created_from=filters.created_from, created_to=filters.created_to, updated_after=filters.updated_after,
    )  # fmt: skip
    return search.apply(cases, now)


@router.get(
    "",
    response=with_errors({200: CasePage}),
    summary="办件列表（筛选、游标分页，新建的在前）",
    operation_id=operation_id("list_cases"),
)
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> dict[str, Any]:
    user = user_of(request)
    if not can_use_case_pages(user):
        raise PermissionDenied("您的角色不能查看代办件")
    now = timezone.now()
    cases = _filtered(cases_for_user(user), filters, user, now).select_related(
        "item_version", "proxy_point", "department", "window"
    )
    # Newest first; (created_at, id) is a total order, so the pages stay put while cases are added.
    rows, cursor = keyset_page(
        cases, filters, keys=[("created_at", dt.datetime), ("id", int)], descending=True
    )
    return page_of(rows, cursor, lambda case: summary_of(case, now))


# --- Detail ---------------------------------------------------------------------------------------------


@router.get(
    "/{case_id}",
    response=with_errors({200: CaseDetailOut}),
    summary="办件详情（含办理记录、材料、可执行的操作）",
    operation_id=operation_id("get_case"),
)
def get_case(request: HttpRequest, case_id: Int) -> CaseDetailOut:
    user = user_of(request)
    return detail_of(get_case_for_user(user, case_id), user)


@router.post(
    "/{case_id}/reveal",
    response=with_errors({200: RevealOut}),
    summary="查看申请人完整身份证号（记入审计）",
    operation_id=operation_id("reveal_id_number"),
)
def reveal_id_number(request: HttpRequest, case_id: Int) -> RevealOut:
    user = user_of(request)
    case = get_case_for_user(user, case_id, write=True)
    return RevealOut(id_number=services.reveal_id_number(actor=user, case=case, request=request, via="api"))
