"""An activity's states on the workflow kernel (docs/activities.md):

    draft → pending (立项) → published → in_progress → finished → closed (hours approved)
      any of the first four → cancelled (reason; everyone signed up is told)

The approval step (pending → published, or back to draft) is the one a review chain replaces later:
`approval.py` decides who approves; the table names the actor kind only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext, gettext_noop

from shanghui.activities.models import Activity, ActivityEvent, HourRecord, HourState, Status
from shanghui.workflow.machine import SYSTEM, Conflict, Machine, Transition, TransitionError, action, table

ORGANISER, APPROVER = "organiser", "approver"
ACTOR_LABELS = {
    ORGANISER: gettext_noop("活动组织者"),
    APPROVER: gettext_noop("审批人"),
    SYSTEM: gettext_noop("系统"),
}

S = Status
RISKY_NEEDS_INSURANCE = gettext_noop("风险活动须填写意外保险保单号才能发布（《志愿服务条例》第十七条）")
HOURS_PENDING = gettext_noop("还有待审核的志愿服务时长，全部审核后才能结项")
NO_SLOTS = gettext_noop("活动还没有岗位，请先添加岗位")

TRANSITIONS = table(
    action("submit", gettext_noop("提交立项"), {S.DRAFT}, S.PENDING, {ORGANISER}),
    action("approve", gettext_noop("审批通过并发布"), {S.PENDING}, S.PUBLISHED, {APPROVER}),
    action("reject", gettext_noop("退回修改"), {S.PENDING}, S.DRAFT, {APPROVER}, required=("reason",)),
    action("start", gettext_noop("开始活动"), {S.PUBLISHED}, S.IN_PROGRESS, {ORGANISER, SYSTEM}),
    action("finish", gettext_noop("结束活动"), {S.IN_PROGRESS}, S.FINISHED, {ORGANISER, SYSTEM}),
    action("close", gettext_noop("时长审核完毕，结项"), {S.FINISHED}, S.CLOSED, {ORGANISER}),
    action(
        "cancel", gettext_noop("取消活动"), {S.DRAFT, S.PENDING, S.PUBLISHED, S.IN_PROGRESS}, S.CANCELLED,
        {ORGANISER, APPROVER}, required=("reason",),
    ),
)  # fmt: skip
FINAL = {S.CLOSED, S.CANCELLED}


def _blocked(activity: Activity, spec: Transition) -> str:
    if spec.action in ("submit", "approve") and activity.is_risky and not activity.insurance_policy.strip():
        return RISKY_NEEDS_INSURANCE
    if (
        spec.action == "close"
        and HourRecord.objects.filter(activity=activity, state=HourState.PENDING).exists()
    ):
        return HOURS_PENDING
    return ""


def _cancel(activity: Activity, params: dict[str, Any], now: dt.datetime) -> list[str]:
    reason = str(params.get("reason") or "").strip()
    if len(reason) > 200:
        raise TransitionError({"reason": gettext("取消原因不能超过200字")})
    activity.cancel_reason = reason
    return ["cancel_reason"]


def _finish(activity: Activity, params: dict[str, Any], now: dt.datetime) -> list[str]:
    # Imported here: services imports this module.
    from shanghui.activities import attendance

    attendance.close_attendance(activity, now=now)
    return []


def _after(activity: Activity, spec: Transition, event: Any, before: Any) -> None:
    from shanghui.activities import services

    if spec.action == "cancel":
        services.tell_everyone_signed_up(
            activity, text=f"活动“{activity.title}”已取消：{activity.cancel_reason}"
        )


MACHINE: Machine[Activity] = Machine(
    model=Activity,
    events=ActivityEvent,
    event_fk="activity",
    table=TRANSITIONS,
    noun=gettext_noop("活动"),
    actor_labels=ACTOR_LABELS,
    select_related=("kind", "organisation"),
    blocked=_blocked,
    effects={"cancel": _cancel, "finish": _finish},
    after=[_after],
    other_events={
        "create": gettext_noop("创建活动"),
        "update": gettext_noop("修改活动"),
        "slot": gettext_noop("修改岗位"),
        "signup": gettext_noop("报名"),
        "hours": gettext_noop("审核时长"),
    },
)

__all__ = [
    "ACTOR_LABELS",
    "APPROVER",
    "MACHINE",
    "ORGANISER",
    "SYSTEM",
    "TRANSITIONS",
    "Conflict",
    "TransitionError",
]
