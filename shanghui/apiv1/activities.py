"""/api/v1/activities/…, /api/v1/activity-signups/…, /api/v1/volunteer-hours/…, /api/v1/activity-stats: the
activities and volunteer service as the staff pages handle them (shanghui/activities/views.py). The same
access checks (activities/access.py), the same services and workflow: not visible → 404; visible but not
yours to act on → 403; the activity moved on → 409 with its current status; bad input → 422. Mobile
numbers are masked as on the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as WithStatus
from pydantic import ConfigDict

from shanghui.activities import access, attendance, hours, queries, services
from shanghui.activities.models import (
    HOLDING,
    Activity,
    ActivityKind,
    HourRecord,
    HourState,
    Risk,
    SignUp,
    Status,
)
from shanghui.activities.workflow import MACHINE, TRANSITIONS
from shanghui.apiv1.auth import user_of
from shanghui.apiv1.cursor import PageParams, keyset_page, page_of
from shanghui.apiv1.errors import ApiError, with_errors
from shanghui.lib.bounds import Int, Moment
from shanghui.orgs.models import Organisation

router = Router(tags=["活动与志愿服务"])


class ActionName(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    START = "start"
    FINISH = "finish"
    CLOSE = "close"
    CANCEL = "cancel"


assert {a.value for a in ActionName} == set(TRANSITIONS), "ActionName must list workflow.TRANSITIONS"


class SignUpOp(StrEnum):
    CONFIRM = "confirm"
    REFUSE = "refuse"
    CANCEL = "cancel"
    CHECK_IN = "in"
    CHECK_OUT = "out"


class SlotOut(Schema):
    id: int
    role: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    quantity: int
    taken: int = Field(description="占用名额的人数（已确认、待确认）")
    skills: str
    training: str
    min_age: int | None


class ActivityOut(Schema):
    id: int
    title: str
    kind: str
    kind_name: str
    organisation_id: int
    organisation_name: str
    status: Status
    status_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue_id: int | None
    where: str
    beneficiary: str
    risk: Risk
    insurance_policy: str
    contact_name: str
    contact_phone: str
    cancel_reason: str
    allowed_actions: list[str] = Field(description="您现在可以执行的操作")
    slots: list[SlotOut]


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


def activity_json(activity: Activity, user: Any, *, slots: bool = True) -> dict[str, Any]:
    taken: dict[int, int] = {}
    if slots:
        taken = dict(
            SignUp.objects.filter(activity=activity, state__in=HOLDING).values("slot_id").annotate(n=Count("pk"))
            .order_by().values_list("slot_id", "n")
        )  # fmt: skip
    return {
        "id": activity.pk, "title": activity.title, "kind": activity.kind.code, "kind_name": activity.kind.name,
        "organisation_id": activity.organisation_id, "organisation_name": activity.organisation.name,
        "status": activity.status, "status_label": activity.get_status_display(), "starts_at": activity.starts_at,
        "ends_at": activity.ends_at, "venue_id": activity.venue_id, "where": activity.where,
        "beneficiary": activity.beneficiary_text, "risk": activity.risk, "insurance_policy": activity.insurance_policy,
        "contact_name": activity.contact_name, "contact_phone": activity.contact_phone,
        "cancel_reason": activity.cancel_reason,
        "allowed_actions": [t.action for t in MACHINE.allowed(activity, access.actor_kinds(user, activity))],
        "slots": [
            {"id": s.pk, "role": s.role, "starts_at": s.starts_at, "ends_at": s.ends_at, "quantity": s.quantity,
             "taken": taken.get(s.pk, 0), "skills": s.skills, "training": s.training, "min_age": s.min_age}
            for s in (activity.slots.all() if slots else [])
        ],
    }  # fmt: skip


class ActivityFilters(PageParams):
    q: str = Field("", max_length=100, description="活动名称、地点或服务对象包含")
    status: Status | None = None
    kind: str | None = Field(None, max_length=30, description="活动类型代码，如 volunteer")
    organisation: Int | None = Field(None, description="只看该组织及其下级主办的活动")


@router.get("/activities", response=with_errors({200: ActivityPage}), summary="活动列表（最近开始的在前）")
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]) -> dict[str, Any]:
    user = user_of(request)
    access.require_staff(user)
    rows = access.activities_for_user(user).select_related("organisation", "kind", "venue", "beneficiary_org")
    if q := filters.q.strip():
        rows = rows.filter(Q(title__icontains=q) | Q(place__icontains=q) | Q(beneficiary__icontains=q))
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.kind:
        rows = rows.filter(kind__code=filters.kind)
    if filters.organisation is not None:
        org = Organisation.objects.filter(pk=filters.organisation).first()
        rows = rows.filter(organisation__path__startswith=org.path) if org else rows.none()
    page, cursor = keyset_page(rows, filters, keys=[("starts_at", dt.datetime), ("id", int)], descending=True)
    return page_of(page, cursor, lambda a: activity_json(a, user, slots=False))


@router.get(
    "/activities/{activity_id}", response=with_errors({200: ActivityOut}), summary="活动详情（含岗位）"
)
def get_activity(request: HttpRequest, activity_id: Int) -> dict[str, Any]:
    user = user_of(request)
    access.require_staff(user)
    return activity_json(access.get_activity_for_user(user, activity_id), user)


class SlotIn(Schema):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(..., min_length=1, max_length=40)
    starts_at: Moment | None = Field(None, description="不填则同活动开始时间")
    ends_at: Moment | None = None
    quantity: int = Field(..., ge=1, le=10000)
    skills: str = Field("", max_length=100)
    training: str = Field("", max_length=60)
    min_age: int | None = Field(None, ge=1, le=100)


class ActivityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organisation: Int = Field(..., description="主办组织 id（您任组织者角色的组织及其下级）")
    kind: str = Field(..., max_length=30, description="活动类型代码：volunteer 志愿服务、study 学习会……")
    title: str = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=5000)
    venue: Int | None = None
    place: str = Field("", max_length=200)
    starts_at: Moment
    ends_at: Moment
    beneficiary: str = Field("", max_length=100)
    risk: Risk = Risk.LOW
    insurance_policy: str = Field("", max_length=60, description="中、高风险活动发布前必填")
    contact_name: str = Field(..., min_length=1, max_length=50)
    contact_phone: str = Field(..., min_length=1, max_length=20)
    cancel_deadline: Moment | None = None
    auto_confirm: bool = True
    slots: list[SlotIn] = Field(default_factory=list, max_length=50)


@router.post("/activities", response=with_errors({201: ActivityOut}), summary="新建活动（草稿）")
def create_activity(request: HttpRequest, payload: ActivityIn) -> Any:
    user = user_of(request)
    access.require_staff(user)
    organisation = access.host_organisations(user).filter(pk=payload.organisation).first()
    if organisation is None:
        raise ApiError(422, "不能在该组织创建活动", fields={"organisation": ["不能在该组织创建活动"]})
    kind = ActivityKind.objects.filter(code=payload.kind, is_active=True).first()
    if kind is None:
        raise ApiError(422, "未知的活动类型", fields={"kind": ["未知的活动类型"]})
    venue = None
    if payload.venue is not None:
        venue = access.venues_for_user(user).filter(pk=payload.venue).first()
        if venue is None:
            raise ApiError(422, "场地不存在", fields={"venue": ["场地不存在"]})
    data = payload.dict(exclude={"organisation", "kind", "venue", "slots"})
    slots = [s.dict(exclude_none=True) for s in payload.slots]
    activity = services.create_activity(
        actor=user, organisation=organisation, kind=kind, venue=venue, slots=slots, **data
    )
    return WithStatus(201, activity_json(access.get_activity_for_user(user, activity.pk), user))


class ActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    expected_status: Status | None = Field(None, description="您看到的状态；已被他人改变时返回 409")
    reason: str = Field("", max_length=200, description="退回、取消时必填")


@router.post(
    "/activities/{activity_id}/actions/{action}",
    response=with_errors({200: ActivityOut}),
    summary="执行活动操作（提交立项、审批、开始、结束、结项、取消）",
)
def act(request: HttpRequest, activity_id: Int, action: ActionName, payload: ActionIn) -> dict[str, Any]:
    user = user_of(request)
    access.require_staff(user)
    activity = access.get_activity_for_user(user, activity_id)
    spec = MACHINE.table[action.value]
    kinds = access.actor_kinds(user, activity) & set(spec.actors)
    if not kinds:
        raise PermissionDenied(f"您不能执行“{spec.label}”")
    MACHINE.transition(
        pk=activity.pk, action=spec.action, actor=user, actor_kind=sorted(kinds)[0],
        expected_status=payload.expected_status, params={"reason": payload.reason},
    )  # fmt: skip
    return activity_json(access.get_activity_for_user(user, activity_id), user)


@router.post("/activities/{activity_id}/slots", response=with_errors({201: SlotOut}), summary="添加岗位")
def add_slot(request: HttpRequest, activity_id: Int, payload: SlotIn) -> Any:
    user = user_of(request)
    access.require_staff(user)
    activity = access.get_activity_for_user(user, activity_id, write=True)
    slot = services.add_slot(actor=user, activity=activity, **payload.dict(exclude_none=True))
    return WithStatus(201, {**{k: getattr(slot, k) for k in ("role", "starts_at", "ends_at", "quantity", "skills", "training", "min_age")},
                            "id": slot.pk, "taken": 0})  # fmt: skip


class SignUpOut(Schema):
    id: int
    activity_id: int
    slot_id: int
    role: str
    volunteer_id: int
    volunteer_name: str
    volunteer_mobile: str = Field(description="脱敏")
    state: str
    state_label: str
    attendance: str
    checked_in_at: dt.datetime | None
    check_in_method: str
    checked_out_at: dt.datetime | None
    check_out_method: str


def signup_json(s: SignUp) -> dict[str, Any]:
    return {
        "id": s.pk, "activity_id": s.activity_id, "slot_id": s.slot_id, "role": s.slot.role,
        "volunteer_id": s.volunteer_id, "volunteer_name": s.volunteer.name, "volunteer_mobile": s.volunteer.masked_mobile,
        "state": s.state, "state_label": s.get_state_display(), "attendance": s.attendance,
        "checked_in_at": s.checked_in_at, "check_in_method": s.check_in_method, "checked_out_at": s.checked_out_at,
        "check_out_method": s.check_out_method,
    }  # fmt: skip


@router.get(
    "/activities/{activity_id}/signups",
    response=with_errors({200: list[SignUpOut]}),
    summary="活动的报名与出勤",
)
def list_signups(request: HttpRequest, activity_id: Int) -> list[dict[str, Any]]:
    user = user_of(request)
    access.require_staff(user)
    activity = access.get_activity_for_user(user, activity_id)
    rows = activity.signups.select_related("slot", "volunteer").order_by(
        "slot__starts_at", "created_at", "pk"
    )
    return [signup_json(s) for s in rows]


class PersonIn(Schema):
    model_config = ConfigDict(extra="forbid")

    slot: Int
    mobile: str = Field(..., min_length=11, max_length=11, pattern=r"^1\d{10}$")
    name: str = Field(..., min_length=1, max_length=50)


@router.post(
    "/activities/{activity_id}/signups", response=with_errors({201: SignUpOut}), summary="组织者代为报名"
)
def add_person(request: HttpRequest, activity_id: Int, payload: PersonIn) -> Any:
    user = user_of(request)
    access.require_staff(user)
    activity = access.get_activity_for_user(user, activity_id, write=True)
    slot = activity.slots.filter(pk=payload.slot).first()
    if slot is None:
        raise ApiError(422, "岗位不存在", fields={"slot": ["岗位不存在"]})
    volunteer = services.volunteer_for_mobile(payload.mobile) or services.save_volunteer(
        mobile=payload.mobile, name=payload.name
    )
    signup = services.sign_up(volunteer=volunteer, slot=slot, actor=user, by_organiser=True)
    return WithStatus(201, signup_json(SignUp.objects.select_related("slot", "volunteer").get(pk=signup.pk)))


@router.post(
    "/activity-signups/{signup_id}/{op}",
    response=with_errors({200: SignUpOut}),
    summary="确认、拒绝、取消报名，登记签到、签退",
)
def signup_op(request: HttpRequest, signup_id: Int, op: SignUpOp) -> dict[str, Any]:
    user = user_of(request)
    access.require_staff(user)
    signup = access.get_signup_for_user(user, signup_id, write=True)
    if op in (SignUpOp.CONFIRM, SignUpOp.REFUSE):
        services.decide_signup(actor=user, signup=signup, confirm=op == SignUpOp.CONFIRM)
    elif op == SignUpOp.CANCEL:
        services.cancel_signup(signup=signup, actor=user, by_organiser=True)
    else:
        attendance.mark(actor=user, signup=signup, direction=op.value)
    return signup_json(SignUp.objects.select_related("slot", "volunteer").get(pk=signup.pk))


class HourOut(Schema):
    id: int
    volunteer_id: int
    volunteer_name: str
    activity_id: int
    activity_title: str
    organisation_id: int
    served_on: dt.date
    minutes: int
    hours: Decimal
    state: HourState
    state_label: str
    corrects: int | None
    reason: str


class HourPage(Schema):
    items: list[HourOut]
    next_cursor: str | None


class HourFilters(PageParams):
    state: HourState | None = None
    activity: Int | None = None


def hour_json(r: HourRecord) -> dict[str, Any]:
    return {
        "id": r.pk, "volunteer_id": r.volunteer_id, "volunteer_name": r.volunteer.name, "activity_id": r.activity_id,
        "activity_title": r.activity.title, "organisation_id": r.organisation_id, "served_on": r.served_on,
        "minutes": r.minutes, "hours": r.hours, "state": r.state, "state_label": r.get_state_display(),
        "corrects": r.corrects_id, "reason": r.reason,
    }  # fmt: skip


@router.get("/volunteer-hours", response=with_errors({200: HourPage}), summary="志愿服务时长记录")
def list_hours(request: HttpRequest, filters: Query[HourFilters]) -> dict[str, Any]:
    user = user_of(request)
    access.require_staff(user)
    rows = access.hours_for_user(user).select_related("volunteer", "activity")
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.activity is not None:
        rows = rows.filter(activity_id=filters.activity)
    page, cursor = keyset_page(rows, filters, keys=[("id", int)], descending=True)
    return page_of(page, cursor, hour_json)


class DecideIn(Schema):
    model_config = ConfigDict(extra="forbid")

    records: list[Int] = Field(..., min_length=1, max_length=500)
    approve: bool = Field(..., description="true 认定，false 不予认定")


class DecideOut(Schema):
    decided: int


@router.post(
    "/volunteer-hours/decide",
    response=with_errors({200: DecideOut}),
    summary="审核志愿服务时长（认定或不予认定）",
)
def decide_hours(request: HttpRequest, payload: DecideIn) -> dict[str, Any]:
    user = user_of(request)
    access.require_staff(user)
    rows = [access.get_hours_for_user(user, pk, write=True) for pk in dict.fromkeys(payload.records)]
    return {"decided": hours.decide(actor=user, records=rows, approve=payload.approve)}


class StatRow(Schema):
    label: str
    person_times: int
    hours: Decimal


class StatsOut(Schema):
    year: int
    activities: int
    person_times: int = Field(description="参与人次（签到的人次）")
    volunteers: int = Field(description="参与的志愿者人数（去重）")
    hours: Decimal = Field(description="认定的志愿服务时长（小时）")
    attendance_rate: float | None
    no_show_rate: float | None
    by_organisation: list[StatRow]
    by_month: list[StatRow]
    by_kind: list[StatRow]


@router.get("/activity-stats", response=with_errors({200: StatsOut}), summary="活动与志愿服务统计（按年）")
def activity_stats(request: HttpRequest, year: int | None = Query(None, ge=2000, le=2999)) -> dict[str, Any]:
    user = user_of(request)
    access.require_staff(user)
    s = queries.statistics(
        access.activities_for_user(user),
        access.hours_for_user(user),
        year=queries.year_of(str(year) if year else None),
    )
    rows = lambda items: [{"label": r.label, "person_times": r.person_times, "hours": r.hours} for r in items]  # noqa: E731
    return {
        "year": s.year, "activities": s.activities, "person_times": s.person_times, "volunteers": s.volunteers,
        "hours": s.hours, "attendance_rate": s.attendance_rate, "no_show_rate": s.no_show_rate,
        "by_organisation": rows(s.by_organisation), "by_month": rows(s.by_month), "by_kind": rows(s.by_kind),
    }  # fmt: skip


class VenueOut(Schema):
    id: int
    organisation_id: int
    kind: str
    name: str
    address: str


@router.get(
    "/activity-venues",
    response=with_errors({200: list[VenueOut]}),
    summary="活动场地（阵地、活动室、推介站）",
)
def list_venues(request: HttpRequest) -> list[dict[str, Any]]:
    user = user_of(request)
    access.require_staff(user)
    rows: Any = access.venues_for_user(user).order_by("organisation__path", "name")[:500]
    return [
        {
            "id": v.pk,
            "organisation_id": v.organisation_id,
            "kind": v.kind,
            "name": v.name,
            "address": v.address,
        }
        for v in rows
    ]
