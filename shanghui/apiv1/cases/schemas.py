"""The response shapes of /api/v1/cases/, each written once as a Schema, and how a case, event, material
or rating becomes one: `_values(schema, obj, ...)` takes every field the schema names from the object's
attribute of that name, unless it is computed here."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from django.utils import timezone
from ninja import Field, Schema

from shanghui.accounts.models import User
from shanghui.catalog.models import Delivery
from shanghui.proxy import services
from shanghui.proxy.access import actor_kinds
from shanghui.proxy.clocks import CLOCKS
from shanghui.proxy.display import event_actor
from shanghui.proxy.effects import describe_event_data
from shanghui.proxy.forms import ACTION_FORMS, forward_windows
from shanghui.proxy.models import Case, CaseEvent, CaseMaterial, Channel, Rating, Result, Status
from shanghui.proxy.workflow import MACHINE, TRANSITIONS, allowed_actions


class ActionName(StrEnum):
    SUBMIT = "submit"
    REQUEST_CORRECTION = "request_correction"
    RESUBMIT = "resubmit"
    FORWARD = "forward"
    ACCEPT = "accept"
    REFUSE = "refuse"
    WINDOW_CORRECTION = "window_correction"
    SUSPEND = "suspend"
    RESUME = "resume"
    TERMINATE = "terminate"
    COMPLETE = "complete"
    DELIVER = "deliver"
    CLOSE = "close"
    WITHDRAW = "withdraw"


# The enum is what the OpenAPI document lists; the workflow's table is the truth.
assert {a.value for a in ActionName} == set(TRANSITIONS), "ActionName must list workflow.TRANSITIONS"

# --- Output ---------------------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class ItemRef(Schema):
    id: int
    name: str = Field(description="办件锁定的事项版本中的名称")
    version: int


class RunningClock(Schema):
    clock: str = Field(description="review 代办点预审 / acceptance 窗口受理 / processing 承诺办结")
    label: str
    started_at: dt.datetime | None
    due_at: dt.datetime | None
    overdue: bool


class CaseSummaryOut(Schema):
    id: int
    number: str = Field(description="办件编号")
    status: Status
    status_label: str
    channel: Channel
    item: ItemRef
    proxy_point: Ref
    chamber_id: int | None = Field(description="代办点所属商会 id")
    department: Ref
    window: Ref | None
    applicant_name: str = Field(description="申请人姓名（脱敏）")
    home_region_code: str
    created_at: dt.datetime
    updated_at: dt.datetime
    running_clock: RunningClock | None = Field(description="正在计时的时限；暂停或不计时为 null")


class ApplicantOut(Schema):
    name: str = Field(description="脱敏，如 张*")
    id_number: str = Field(description="脱敏，如 330802********0017；完整号码见 POST /cases/{id}/reveal")
    mobile: str = Field(description="脱敏，如 138****1234")
    home_region_code: str
    current_city: str


class ChoiceOut(Schema):
    value: str
    label: str


class AllowedActionOut(Schema):
    action: ActionName
    label: str
    params: list[str] = Field(description="该操作接受的参数（放在 params 中）")
    required: list[str] = Field(description="必填参数")
    choices: dict[str, list[ChoiceOut]] = Field(description="参数的可选值，如 forward 的 window")


class ClockStateOut(Schema):
    clock: str
    label: str
    started_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    state: str = Field(description="未开始、计时中、即将超期、已超期、已暂停、按时完成、超时完成……")


class CaseOut(CaseSummaryOut):
    applicant: ApplicantOut
    note: str
    poa_confirmed_at: dt.datetime | None
    return_status: str = Field(description="待补正的办件补正后回到的状态")
    correction_items: list[str]
    acceptance_number: str
    refusal_reason: str
    suspension_reason: str
    termination_reason: str
    result: str = Field(description="granted 准予 / denied 不予；未办结为空")
    result_note: str
    delivery_method: str
    forward_tracking_number: str
    result_tracking_number: str
    clocks: list[ClockStateOut]
    paused_at: dt.datetime | None
    submitted_at: dt.datetime | None
    forwarded_at: dt.datetime | None
    accepted_at: dt.datetime | None
    completed_at: dt.datetime | None
    delivered_at: dt.datetime | None
    closed_at: dt.datetime | None
    my_roles: list[str] = Field(
        description="您在该办件中的办理身份：agent 代办员、clerk 窗口人员；空表示只读"
    )
    allowed_actions: list[AllowedActionOut] = Field(description="您现在可以执行的操作")


class EventOut(Schema):
    id: int
    action: str
    label: str
    from_status: str
    to_status: str
    actor_kind: str
    actor: str = Field(description="办理人，如 李四（代办员）")
    note: str
    details: list[str]
    created_at: dt.datetime


class MaterialOut(Schema):
    id: int
    slot: int | None = Field(description="事项材料清单中的序号；其他材料为 null")
    name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    review: str
    review_note: str
    is_current: bool
    is_result: bool = Field(description="是否为办理结果文书")
    uploaded_at: dt.datetime


class RatingOut(Schema):
    level: int
    label: str
    comment: str
    created_at: dt.datetime


class CaseDetailOut(CaseOut):
    events: list[EventOut] = Field(description="办理记录（时间线）")
    materials: list[MaterialOut]
    missing_materials: list[str] = Field(description="还缺的必交材料（可提交前）")
    rating: RatingOut | None


class CasePage(Schema):
    items: list[CaseSummaryOut]
    next_cursor: str | None


class MaterialList(Schema):
    materials: list[MaterialOut]
    missing_materials: list[str]


class RevealOut(Schema):
    id_number: str = Field(description="完整身份证号；每次查看都记入审计日志")


# --- Building the shapes ---------------------------------------------------------------------------------


def _values(schema: type[Schema], obj: Any, **computed: Any) -> dict[str, Any]:
    """The fields of `schema` for `obj`: those given in `computed`, every other one the attribute of the
    same name."""
    return {name: computed[name] if name in computed else getattr(obj, name) for name in schema.model_fields}


def _summary_values(case: Case, now: dt.datetime) -> dict[str, Any]:
    """The computed fields of CaseSummaryOut. Needs item_version, proxy_point, department and window
    loaded (select_related)."""
    clock, started, due = CLOCKS.running(case)
    version = case.item_version
    return {
        "id": case.pk,
        "status_label": str(case.get_status_display()),
        "item": ItemRef(id=case.item_id, name=version.snapshot.get("name", ""), version=version.number),
        "proxy_point": Ref(id=case.proxy_point_id, name=case.proxy_point.name),
        "chamber_id": case.proxy_point.parent_id,
        "department": Ref(id=case.department_id, name=case.department.name),
        "window": Ref(id=case.window_id, name=case.window.name) if case.window_id and case.window else None,
        "applicant_name": case.masked_applicant,
        "running_clock": RunningClock(
            clock=clock,
            label=str(CLOCKS[clock].label),
            started_at=started,
            due_at=due,
            overdue=due is not None and due < now,
        )
        if clock
        else None,
    }


def summary_of(case: Case, now: dt.datetime) -> CaseSummaryOut:
    return CaseSummaryOut(**_values(CaseSummaryOut, case, **_summary_values(case, now)))


def _allowed_action(case: Case, action: str) -> AllowedActionOut:
    spec = TRANSITIONS[action]
    choices: dict[str, list[ChoiceOut]] = {}
    if action == "forward":
        choices["window"] = [ChoiceOut(value=str(w.pk), label=w.name) for w in forward_windows(case)]
    if action == "complete":
        choices["result"] = [ChoiceOut(value=v, label=str(lbl)) for v, lbl in Result.choices]
        choices["delivery_method"] = [ChoiceOut(value=v, label=str(lbl)) for v, lbl in Delivery.choices]
    return AllowedActionOut(
        action=ActionName(action),
        label=spec.label,
        params=list(ACTION_FORMS[action].param_fields),
        required=list(spec.required),
        choices=choices,
    )


def _case_values(case: Case, user: User, now: dt.datetime) -> dict[str, Any]:
    """The computed fields of CaseOut."""
    kinds = actor_kinds(user, case)
    return {
        **_summary_values(case, now),
        "applicant": ApplicantOut(
            name=case.masked_applicant,
            id_number=case.masked_id_number,
            mobile=case.masked_mobile,
            home_region_code=case.home_region_code,
            current_city=case.current_city,
        ),
        "correction_items": [str(i) for i in case.correction_items or []],
        "clocks": [
            ClockStateOut(
                clock=c.key,
                label=c.label,
                started_at=c.started,
                due_at=c.due,
                finished_at=c.finished,
                state=c.state,
            )
            for c in CLOCKS.states(case, now)
        ],
        "my_roles": sorted(kinds),
        "allowed_actions": [_allowed_action(case, t.action) for t in allowed_actions(case, kinds)],
    }


def case_of(case: Case, user: User, now: dt.datetime | None = None) -> CaseOut:
    return CaseOut(**_values(CaseOut, case, **_case_values(case, user, now or timezone.now())))


def material_of(material: CaseMaterial) -> MaterialOut:
    return MaterialOut(**_values(MaterialOut, material, id=material.pk))


def materials_of(case: Case) -> tuple[list[MaterialOut], list[str]]:
    """The case's materials and result documents, and the required materials still missing (before
    submission)."""
    materials = [material_of(m) for m in case.materials.order_by("slot", "-uploaded_at", "pk")]
    missing = services.missing_required(case) if case.status in services.UPLOAD_STATUSES else []
    return materials, missing


def event_of(event: CaseEvent) -> EventOut:
    return EventOut(
        **_values(
            EventOut,
            event,
            id=event.pk,
            label=MACHINE.event_label(event.action),
            actor=event_actor(event),
            details=describe_event_data(event.data or {}),
        )
    )


def rating_of(rating: Rating) -> RatingOut:
    return RatingOut(**_values(RatingOut, rating, label=str(rating.get_level_display())))


def detail_of(case: Case, user: User) -> CaseDetailOut:
    materials, missing = materials_of(case)
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "id")
    rating = Rating.objects.filter(case=case).first()
    return CaseDetailOut(
        **_values(
            CaseDetailOut,
            case,
            **_case_values(case, user, timezone.now()),
            events=[event_of(e) for e in events],
            materials=materials,
            missing_materials=missing,
            rating=rating_of(rating) if rating else None,
        )
    )
