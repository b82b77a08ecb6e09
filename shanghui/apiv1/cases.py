"""/api/v1/cases/: proxy cases as the staff pages handle them (shanghui/proxy/views.py).

Each endpoint follows the page it stands for: the same access check (shanghui/proxy/access.py), the same
form to validate the input (shanghui/proxy/forms.py), the same service or workflow call. Not visible →
404; visible but not yours to act on → 403; the case moved on since the client looked → 409 with its
current status; bad input → 422 with the field messages. Personal data is masked as on the pages; the full
ID number only through the audited reveal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Collection
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Header, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as WithStatus
from pydantic import ConfigDict

from shanghui.accounts.models import User
from shanghui.apiv1.auth import principal_of, user_of
from shanghui.apiv1.cursor import PageParams, keyset_page, page_of
from shanghui.apiv1.errors import NON_FIELD, ApiError, fields_of_django, first_message, with_errors
from shanghui.catalog.models import Delivery
from shanghui.lib.bounds import DATE_RANGE, Day, Int, Moment
from shanghui.orgs.models import Organisation
from shanghui.proxy import actions, queries, services
from shanghui.proxy.access import (
    actor_kinds,
    can_use_case_pages,
    cases_for_user,
    get_case_files_for_user,
    get_case_for_user,
    intake_points,
)
from shanghui.proxy.clocks import CLOCKS
from shanghui.proxy.downloads import material_response
from shanghui.proxy.effects import describe_event_data
from shanghui.proxy.forms import ACTION_FORMS, IntakeForm, forward_windows
from shanghui.proxy.models import Case, CaseEvent, CaseMaterial, Channel, Rating, Result, Status
from shanghui.proxy.workflow import (
    ACTOR_LABELS,
    AGENT,
    CLERK,
    MACHINE,
    TRANSITIONS,
    allowed_actions,
)

router = Router(tags=["代办件"])


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


def summary_json(case: Case, now: dt.datetime) -> dict[str, Any]:
    """Needs item_version, proxy_point, department and window loaded (select_related)."""
    clock, started, due = CLOCKS.running(case)
    snapshot = case.item_version.snapshot
    return {
        "id": case.pk,
        "number": case.number,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "channel": case.channel,
        "item": {"id": case.item_id, "name": snapshot.get("name", ""), "version": case.item_version.number},
        "proxy_point": {"id": case.proxy_point_id, "name": case.proxy_point.name},
        "chamber_id": case.proxy_point.parent_id,
        "department": {"id": case.department_id, "name": case.department.name},
        "window": {"id": case.window_id, "name": case.window.name}
        if case.window_id and case.window
        else None,
        "applicant_name": case.masked_applicant,
        "home_region_code": case.home_region_code,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "running_clock": {
            "clock": clock,
            "label": str(CLOCKS[clock].label),
            "started_at": started,
            "due_at": due,
            "overdue": due is not None and due < now,
        }
        if clock
        else None,
    }


def _action_json(case: Case, action: str) -> dict[str, Any]:
    spec = TRANSITIONS[action]
    form = ACTION_FORMS[action]
    choices: dict[str, list[dict[str, str]]] = {}
    if action == "forward":
        choices["window"] = [{"value": str(w.pk), "label": w.name} for w in forward_windows(case)]
    if action == "complete":
        choices["result"] = [{"value": v, "label": str(lbl)} for v, lbl in Result.choices]
        choices["delivery_method"] = [{"value": v, "label": str(lbl)} for v, lbl in Delivery.choices]
    return {
        "action": action,
        "label": spec.label,
        "params": list(form.param_fields),
        "required": list(spec.required),
        "choices": choices,
    }


def case_json(case: Case, user: User, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    kinds = actor_kinds(user, case)
    return {
        **summary_json(case, now),
        "applicant": {
            "name": case.masked_applicant,
            "id_number": case.masked_id_number,
            "mobile": case.masked_mobile,
            "home_region_code": case.home_region_code,
            "current_city": case.current_city,
        },
        "note": case.note,
        "poa_confirmed_at": case.poa_confirmed_at,
        "return_status": case.return_status,
        "correction_items": [str(i) for i in case.correction_items or []],
        "acceptance_number": case.acceptance_number,
        "refusal_reason": case.refusal_reason,
        "suspension_reason": case.suspension_reason,
        "termination_reason": case.termination_reason,
        "result": case.result,
        "result_note": case.result_note,
        "delivery_method": case.delivery_method,
        "forward_tracking_number": case.forward_tracking_number,
        "result_tracking_number": case.result_tracking_number,
        "clocks": [
            {
                "clock": c.key,
                "label": c.label,
                "started_at": c.started,
                "due_at": c.due,
                "finished_at": c.finished,
                "state": c.state,
            }
            for c in CLOCKS.states(case, now)
        ],
        "paused_at": case.paused_at,
        "submitted_at": case.submitted_at,
        "forwarded_at": case.forwarded_at,
        "accepted_at": case.accepted_at,
        "completed_at": case.completed_at,
        "delivered_at": case.delivered_at,
        "closed_at": case.closed_at,
        "my_roles": sorted(kinds),
        "allowed_actions": [_action_json(case, t.action) for t in allowed_actions(case, kinds)],
    }


def material_json(material: CaseMaterial) -> dict[str, Any]:
    return {
        "id": material.pk,
        "slot": material.slot,
        "name": material.name,
        "original_name": material.original_name,
        "content_type": material.content_type,
        "size": material.size,
        "sha256": material.sha256,
        "review": material.review,
        "review_note": material.review_note,
        "is_current": material.is_current,
        "is_result": material.is_result,
        "uploaded_at": material.uploaded_at,
    }


def _event_json(event: CaseEvent) -> dict[str, Any]:
    kind = ACTOR_LABELS.get(event.actor_kind, event.actor_kind)
    return {
        "id": event.pk,
        "action": event.action,
        "label": MACHINE.event_label(event.action),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor_kind": event.actor_kind,
        "actor": f"{event.actor.display_name}（{kind}）" if event.actor else kind,
        "note": event.note,
        "details": describe_event_data(event.data or {}),
        "created_at": event.created_at,
    }


# --- List -----------------------------------------------------------------------------------------------


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


@router.get("", response=with_errors({200: CasePage}), summary="办件列表（筛选、游标分页，新建的在前）")
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
    return page_of(rows, cursor, lambda case: summary_json(case, now))


# --- Detail ---------------------------------------------------------------------------------------------


@router.get(
    "/{case_id}",
    response=with_errors({200: CaseDetailOut}),
    summary="办件详情（含办理记录、材料、可执行的操作）",
)
def get_case(request: HttpRequest, case_id: Int) -> dict[str, Any]:
    user = user_of(request)
    case = get_case_for_user(user, case_id)
    materials = list(case.materials.order_by("slot", "-uploaded_at", "pk"))
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "id")
    rating = Rating.objects.filter(case=case).first()
    return {
        **case_json(case, user),
        "events": [_event_json(e) for e in events],
        "materials": [material_json(m) for m in materials],
        "missing_materials": services.missing_required(case)
        if case.status in services.UPLOAD_STATUSES
        else [],
        "rating": {
            "level": rating.level,
            "label": str(rating.get_level_display()),
            "comment": rating.comment,
            "created_at": rating.created_at,
        }
        if rating
        else None,
    }


class RevealOut(Schema):
    id_number: str = Field(description="完整身份证号；每次查看都记入审计日志")


@router.post(
    "/{case_id}/reveal", response=with_errors({200: RevealOut}), summary="查看申请人完整身份证号（记入审计）"
)
def reveal_id_number(request: HttpRequest, case_id: Int) -> Any:
    user = user_of(request)
    case = get_case_for_user(user, case_id, write=True)
    return {"id_number": services.reveal_id_number(actor=user, case=case, request=request, via="api")}


# --- Intake ---------------------------------------------------------------------------------------------


class ApplicantIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=50, description="申请人姓名")
    id_number: str = Field(..., max_length=18, description="身份证号（18位）")
    mobile: str = Field(..., max_length=11, description="手机号（11位）")
    home_region_code: str = Field(..., max_length=6, description="户籍所在区县代码（6位）")
    current_city: str = Field(..., max_length=40, description="现居城市")
    current_address: str = Field("", max_length=200, description="现居地址")


class IntakeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    proxy_point: Int | None = Field(
        None, description="代办点 id；不填时用令牌的代表机构，或您唯一所在的代办点"
    )
    item: Int = Field(..., description="事项 id（该代办点受理的事项）")
    applicant: ApplicantIn
    note: str = Field("", max_length=1000, description="申请说明")
    poa_confirmed: bool = Field(..., description="申请人已阅读并确认委托书（须为 true）")


APPLICANT_FIELDS = {"name", "id_number", "mobile", "home_region_code", "current_city", "current_address"}


def _intake_fields(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {(f"applicant.{k}" if k in APPLICANT_FIELDS else k): v for k, v in errors.items()}


def _form_errors(form: Any) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def _intake_point(request: HttpRequest, points: list[Organisation], wanted: int | None) -> Organisation:
    token = principal_of(request).token
    if wanted is None and token is not None and token.organisation_id:
        wanted = next((p.pk for p in points if p.pk == token.organisation_id), None)
    if wanted is None:
        if len(points) == 1:
            return points[0]
        raise ApiError(422, "请指定代办点", fields={"proxy_point": ["您在多个代办点任代办员，请指定代办点"]})
    point = next((p for p in points if p.pk == wanted), None)
    if point is None:
        raise ApiError(422, "请选择您所在的代办点", fields={"proxy_point": ["请选择您所在的代办点"]})
    return point


@router.post(
    "",
    response=with_errors({201: CaseOut, 200: CaseOut}),
    summary="代办员代为录入办件（草稿）",
    description="与“代为录入”页面相同：在您任代办员的代办点为申请人创建草稿办件，之后上传材料并提交预审。"
    "带上 Idempotency-Key 请求头，重试或重复提交只会创建一个办件：第一次返回 201，之后返回 200 和同一个办件。",
)
def create_case(
    request: HttpRequest,
    payload: IntakeIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=100),
) -> Any:
    user = user_of(request)
    points_qs = intake_points(user)
    points = list(points_qs)
    if not points:
        raise PermissionDenied("只有代办员可以代为录入办件")
    # One namespace with the intake page's form keys: per user, 32 hex digits.
    key_hex = (
        hashlib.sha256(idempotency_key.encode()).hexdigest()[:32] if idempotency_key else uuid.uuid4().hex
    )
    stored_key = f"{user.pk}:{key_hex}"
    if idempotency_key:
        existing = Case.objects.filter(idempotency_key=stored_key).values_list("pk", flat=True).first()
        if existing is not None:
            return WithStatus(200, case_json(get_case_for_user(user, existing), user))
    point = _intake_point(request, points, payload.proxy_point)
    applicant = payload.applicant
    data = {
        "proxy_point": str(point.pk),
        "item": str(payload.item),
        "name": applicant.name,
        "id_number": applicant.id_number,
        "mobile": applicant.mobile,
        "home_region_code": applicant.home_region_code,
        "current_city": applicant.current_city,
        "current_address": applicant.current_address,
        "note": payload.note,
        "poa_confirmed": "on" if payload.poa_confirmed else "",
        "idempotency_key": key_hex,
    }
    form = IntakeForm(data, points=points_qs, point=point)
    if not form.is_valid():
        fields = _intake_fields(_form_errors(form))
        raise ApiError(422, first_message(fields), fields=fields)
    item = services.offered_items(point).filter(pk=payload.item).first()
    if item is None:
        raise ApiError(422, "该代办点不受理此事项", fields={"item": ["该代办点不受理此事项"]})
    cleaned = form.cleaned_data
    try:
        case, created = services.create_case_once(
            actor=user, channel=Channel.AGENT, item=item, proxy_point=point,
            applicant=services.Applicant(
                name=cleaned["name"], id_number=cleaned["id_number"], mobile=cleaned["mobile"],
                home_region_code=cleaned["home_region_code"], current_city=cleaned["current_city"],
                current_address=cleaned.get("current_address") or "",
            ),
            poa_confirmed=cleaned["poa_confirmed"], note=cleaned.get("note") or "", idempotency_key=stored_key,
        )  # fmt: skip
    except ValidationError as exc:
        fields = _intake_fields(fields_of_django(exc))
        raise ApiError(422, first_message(fields), fields=fields) from None
    # Not created: the same key's first request won a race with this one (the check above missed it).
    return WithStatus(201 if created else 200, case_json(get_case_for_user(user, case.pk), user))


# --- Workflow actions -------------------------------------------------------------------------------------


class ActionParams(Schema):
    model_config = ConfigDict(extra="forbid")

    correction_items: list[str] | None = Field(
        None, max_length=50, description="需要补正的内容，每项一条（request_correction、window_correction）"
    )
    window: Int | None = Field(
        None, description="受理窗口 id（forward；可选值见 allowed_actions 的 choices）"
    )
    tracking_number: str | None = Field(
        None, max_length=40, description="寄递单号（forward 可选；complete 邮寄送达必填）"
    )
    acceptance_number: str | None = Field(None, max_length=40, description="受理编号（accept）")
    reason: str | None = Field(None, max_length=1000, description="原因（refuse、suspend、terminate）")
    result: Result | None = Field(None, description="办理结果（complete）")
    result_note: str | None = Field(None, max_length=1000, description="结果说明（complete）")
    delivery_method: Delivery | None = Field(None, description="送达方式（complete）")


class ActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    expected_status: Status = Field(..., description="您看到的办件状态；办件已变为其他状态时返回 409")
    note: str = Field("", max_length=1000, description="备注（写入办理记录）")
    params: ActionParams = Field(
        default_factory=lambda: ActionParams.model_validate({}),
        description="该操作的参数，见 allowed_actions",
    )


def _params(payload: ActionIn) -> dict[str, str]:
    """The parameters as the action's form reads them (a list one item a line)."""
    return {
        name: "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
        for name, value in payload.params.model_dump(exclude_none=True).items()
    }


@router.post(
    "/{case_id}/actions/{action}",
    response=with_errors({200: CaseOut}),
    summary="办理操作（提交、补正、转递、受理、办结……）",
    description="与办件页面的操作按钮相同。expected_status 是您看到的状态：办件已被他人办理而改变时返回 409，"
    "什么都不改变。params 中的参数因操作而异（见 allowed_actions）：request_correction、window_correction："
    "correction_items；forward：window、tracking_number；accept：acceptance_number；refuse、suspend、terminate："
    "reason；complete：result、delivery_method、tracking_number（邮寄时）、result_note。",
)
def act(request: HttpRequest, case_id: Int, action: ActionName, payload: ActionIn) -> dict[str, Any]:
    user = user_of(request)
    params = _params(payload)
    data = {"expected_status": str(payload.expected_status), "note": payload.note}
    try:
        case = actions.act(actor=user, case_id=case_id, action=action.value, data=data, params=params)
    except actions.Refused as exc:
        raise _refusal(exc, params={*params, *ACTION_FORMS[action.value].param_fields}) from None
    return case_json(case, user)


def _refusal(exc: actions.Refused, params: Collection[str] = ()) -> Exception:
    """What the API answers for refused inputs: the workflow's or service's own error as it stands
    (errors.install), else the messages by field (the action's parameters under params.)."""
    if exc.error is not None:
        return exc.error
    fields = {(f"params.{k}" if k in params else k): v for k, v in exc.fields.items()}
    return ApiError(422, first_message(fields), fields=fields)


# --- Materials ----------------------------------------------------------------------------------------------


class MaterialList(Schema):
    materials: list[MaterialOut]
    missing_materials: list[str]


@router.get("/{case_id}/materials", response=with_errors({200: MaterialList}), summary="申请材料和结果文书")
def list_materials(request: HttpRequest, case_id: Int) -> dict[str, Any]:
    case = get_case_for_user(user_of(request), case_id)
    materials = list(case.materials.order_by("slot", "-uploaded_at", "pk"))
    return {
        "materials": [material_json(m) for m in materials],
        "missing_materials": services.missing_required(case)
        if case.status in services.UPLOAD_STATUSES
        else [],
    }


FILE_CODES = {"empty", "too_large", "bad_type", "quota"}


@router.post(
    "/{case_id}/materials",
    response=with_errors({201: MaterialOut}),
    summary="上传材料（multipart/form-data）",
    description="代办员在草稿、待预审、待补正时上传申请材料（slot 为事项材料清单中的序号，不填为其他材料；同一 slot "
    "再次上传会替换）；窗口人员在办理中上传结果文书（result=true）。只接受 JPG、PNG、WebP 图片和 PDF，按内容识别。"
    "超过配额（每个办件的文件数和总大小、每人每天的上传量）返回 422，错误在 fields.file，什么也不保存。",
)
def upload_material(
    request: HttpRequest,
    case_id: Int,
    file: File[UploadedFile],
    slot: Form[Int | None] = None,
    result: Form[bool] = False,
) -> Any:
    user = user_of(request)
    case = get_case_for_user(user, case_id, write=True)
    kinds = actor_kinds(user, case)
    if result and CLERK not in kinds:
        raise PermissionDenied("只有受理窗口人员可以上传结果文书")
    if not result and AGENT not in kinds:
        raise PermissionDenied("只有本代办点的代办员可以上传材料")
    if slot is not None and not (result or 0 <= slot < len(case.item_version.snapshot.get("materials", []))):
        raise ApiError(422, "没有这一项材料", fields={"slot": ["没有这一项材料（见事项的材料清单）"]})
    try:
        material = services.add_material(
            case=case, actor=user, upload=file, slot=None if result else slot, is_result=result
        )
    except ValidationError as exc:
        name = "file" if getattr(exc, "code", None) in FILE_CODES else NON_FIELD
        raise ApiError(422, "；".join(exc.messages), fields={name: list(exc.messages)}) from None
    return WithStatus(201, material_json(material))


MATERIAL_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/webp")


@router.get(
    "/{case_id}/materials/{material_id}/file",
    response=with_errors({}),
    summary="下载材料文件",
    description="只有该办件的代办员和受理窗口人员可以下载（文件含个人信息）；能查看办件的其他人得到 403。每次下载记入审计日志。",
    openapi_extra={
        "responses": {
            "200": {
                "description": "文件内容",
                "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in MATERIAL_TYPES},
            }
        }
    },
)
def download_material(request: HttpRequest, case_id: Int, material_id: Int) -> FileResponse:
    user = user_of(request)
    case = get_case_files_for_user(user, case_id)
    return material_response(request, case, material_id, actor=user, via="api")


class ReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    review: CaseMaterial.Review = Field(..., description="accepted 合格 / needs_correction 需补正")
    note: str = Field("", max_length=300, description="审核意见（需补正时必填）")


@router.post(
    "/{case_id}/materials/{material_id}/review",
    response=with_errors({200: MaterialOut}),
    summary="预审材料（合格 / 需补正）",
)
def review_material(
    request: HttpRequest, case_id: Int, material_id: Int, payload: ReviewIn
) -> dict[str, Any]:
    data = {"review": payload.review.value, "note": payload.note}
    try:
        reviewed = actions.review_material(
            actor=user_of(request), case_id=case_id, material_id=material_id, data=data
        )
    except actions.Refused as exc:
        raise _refusal(exc) from None
    return material_json(reviewed)
