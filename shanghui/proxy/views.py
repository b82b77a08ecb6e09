"""Staff pages of proxy cases: the list with queues and export, the case page with its actions,
materials and timeline, agent intake, statistics and bad-rating follow-ups.

Each view: decorators, access check (shanghui/proxy/access.py), form, one service or workflow call,
response. A case the user cannot see is a 404; one they see but may not act on is a 403; an action on a
case that moved on since the page was shown is a 409 with a message (workflow.Conflict).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user as _user
from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.catalog.models import ServiceItem
from shanghui.catalog.search import search
from shanghui.catalog.services import current_version
from shanghui.lib.xlsx import Sheet, xlsx_response
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.proxy import actions, queries, services
from shanghui.proxy.access import (
    actor_kinds,
    can_open_case_files,
    can_use_case_pages,
    cases_for_user,
    follow_up_moves,
    follow_ups_for_user,
    get_case_files_for_user,
    get_case_for_user,
    get_follow_up_for_user,
    intake_points,
)
from shanghui.proxy.clocks import CLOCKS
from shanghui.proxy.downloads import material_response
from shanghui.proxy.effects import describe_event_data
from shanghui.proxy.forms import (
    ACTION_FORMS,
    POA_TEXT,
    ActionForm,
    CaseFilterForm,
    FollowUpMoveForm,
    IntakeForm,
    ItemSearchForm,
    ReviewForm,
    UploadForm,
)
from shanghui.proxy.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    FollowUp,
    Rating,
    Status,
)
from shanghui.proxy.services import FOLLOW_UP_MOVES
from shanghui.proxy.workflow import (
    ACTOR_LABELS,
    AGENT,
    MACHINE,
    TRANSITIONS,
    Conflict,
    allowed_actions,
)
from shanghui.ui.forms import BootstrapForm, attach_errors
from shanghui.ui.listing import Export, Listing, paginate

EXPORT_CHUNK = 500


def _require_case_pages(user: User) -> None:
    if not can_use_case_pages(user):
        raise PermissionDenied("您的角色不能查看代办件")


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _back_to_case(request: HttpRequest, case_id: int, anchor: str = "") -> HttpResponse:
    url = reverse("proxy:detail", args=[case_id]) + (f"#{anchor}" if anchor else "")
    if _is_htmx(request):
        response = HttpResponse()
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# --- Case list and export ------------------------------------------------------------------------------


@login_required
def case_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    _require_case_pages(user)
    now = timezone.now()
    scope = cases_for_user(user)
    queues = queries.queues_for(user, now)
    current = next((q for q in queues if q.key == request.GET.get("queue")), queues[0])
    # A supervisor's scope can hold a million cases: its summaries name the organisations for the
    # filters and count the largest queues, so that only the cases shown are read.
    summary = queries.summary_for(user)
    form = CaseFilterForm(
        request.GET, cases=scope, named=None if summary is None else summary.organisations()
    )
    listing = Listing(request, form, ignore=["queue"])
    cases = form.apply(scope.filter(current.q), now)
    if listing.exporting:
        detail = {"queue": request.GET.get("queue", "all")}
        return listing.export(CASE_EXPORT, _case_export_rows(cases, now), detail=detail)
    counts = queries.queue_counts(scope, queues, None if summary is None else summary.statuses)
    cases = cases.select_related("item", "proxy_point", "proxy_point__parent", "department", "window")
    page = listing.page(
        cases.order_by("-created_at", "-pk"), count=None if listing.filtered else counts[current.key]
    )
    context = listing.context(
        page,
        rows=[(case, *CLOCKS.running_state(case, now)) for case in page.object_list],
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


# --- Case page -----------------------------------------------------------------------------------------


@dataclass
class Slot:
    index: int | None
    name: str
    spec: dict[str, Any]
    current: list[CaseMaterial] = field(default_factory=list)
    history: list[CaseMaterial] = field(default_factory=list)


def material_slots(case: Case, materials: list[CaseMaterial]) -> tuple[list[Slot], Slot, list[CaseMaterial]]:
    """(one slot per material of the pinned version, the extra files, the result documents)."""
    specs = case.item_version.snapshot.get("materials", [])
    slots = [Slot(i, spec.get("name", ""), spec) for i, spec in enumerate(specs)]
    extra = Slot(None, "其他材料", {})
    results = []
    for material in materials:
        if material.is_result:
            results.append(material)
            continue
        slot = slots[material.slot] if material.slot is not None and material.slot < len(slots) else extra
        (slot.current if material.is_current else slot.history).append(material)
    return slots, extra, results


def timeline(case: Case) -> list[dict[str, Any]]:
    rows = []
    for event in CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "id"):
        details = describe_event_data(event.data or {})
        kind = ACTOR_LABELS.get(event.actor_kind, event.actor_kind)
        rows.append(
            {
                "event": event,
                "label": MACHINE.event_label(event.action),
                "actor": f"{event.actor.display_name}（{kind}）" if event.actor else kind,
                "to_status": Status(event.to_status).label if event.to_status in Status.values else "",
                "details": details,
            }
        )
    return rows


def _county_name(code: str) -> str:
    row = (
        Organisation.objects.filter(kind=OrgKind.FEDERATION, region_code=code)
        .order_by("depth")
        .values_list("name", flat=True)
        .first()
    )
    return row.removesuffix("工商联") if row else ""


def _detail_context(
    request: HttpRequest,
    case: Case,
    *,
    bound: ActionForm | None = None,
    conflict: str = "",
    upload_error: tuple[int | None, str] | None = None,
    review_error: tuple[int, str] | None = None,
    id_number: str = "",
) -> dict[str, Any]:
    user = _user(request)
    kinds = actor_kinds(user, case)
    now = timezone.now()
    materials = list(case.materials.order_by("slot", "-uploaded_at"))
    slots, extra, results = material_slots(case, materials)
    actions = []
    for spec in sorted(allowed_actions(case, kinds), key=_action_order):
        if bound is not None and bound.action == spec.action:
            form = bound
        else:
            form = ACTION_FORMS[spec.action](case=case, action=spec.action)
        actions.append({"spec": spec, "form": form})
    is_agent = AGENT in kinds
    rating = Rating.objects.filter(case=case).select_related("follow_up", "follow_up__responsible").first()
    follow_up = getattr(rating, "follow_up", None) if rating else None
    return {
        "case": case,
        "snapshot": case.item_version.snapshot,
        "kinds": kinds,
        "kind_labels": [ACTOR_LABELS[k] for k in sorted(kinds)],
        "county_name": _county_name(case.home_region_code),
        "clocks": CLOCKS.states(case, now),
        "slots": slots,
        "extra": extra,
        "results": results,
        "missing": services.missing_required(case) if case.status in services.UPLOAD_STATUSES else [],
        "can_upload": is_agent and case.status in services.UPLOAD_STATUSES,
        "can_review": is_agent and case.status == Status.SUBMITTED,
        "can_download": can_open_case_files(user, case),
        "review_error": review_error,
        "review_choices": ReviewForm.base_fields["review"].choices,  # type: ignore[attr-defined]
        "upload_error": upload_error,
        "max_upload_mb": UploadForm.max_mb,
        "actions": actions,
        "conflict": conflict,
        "events": timeline(case),
        "rating": rating,
        "follow_up": follow_up,
        "follow_up_moves": _move_buttons(follow_up, follow_up_moves(user, follow_up)) if follow_up else [],
        "can_reveal": bool(kinds),
        "id_number": id_number,
    }


# The step forward comes first on the page, then a correction request or suspension, then the actions
# that end the case.
FORWARD_STEPS = frozenset(
    {"submit", "resubmit", "forward", "accept", "complete", "resume", "deliver", "close"}
)


def _action_order(spec: Any) -> int:
    form = ACTION_FORMS[spec.action]
    return 0 if spec.action in FORWARD_STEPS else 2 if form.danger or form.confirm else 1


def _detail(request: HttpRequest, case: Case, *, status: int = 200, **kw: Any) -> HttpResponse:
    return render(request, "proxy/case_detail.html", _detail_context(request, case, **kw), status=status)


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(_user(request), case_id)
    return _detail(request, case)


@never_cache
@login_required
@require_POST
def case_reveal(request: HttpRequest, case_id: int) -> HttpResponse:
    """The applicant's full ID number, for the agents and clerks of the case; every reveal is audited."""
    user = _user(request)
    case = get_case_for_user(user, case_id, write=True)
    id_number = services.reveal_id_number(actor=user, case=case, request=request)
    if _is_htmx(request):
        return render(
            request, "proxy/_applicant_id.html", {"case": case, "id_number": id_number, "can_reveal": True}
        )
    return _detail(request, case, id_number=id_number)


@login_required
def case_file(request: HttpRequest, case_id: int, material_id: int) -> FileResponse:
    """A material or result document, streamed from storage after the access check (never a public
    media URL) and audited. Files carry personal data (ID card scans): access.can_open_case_files."""
    user = _user(request)
    case = get_case_files_for_user(user, case_id)
    return material_response(request, case, material_id, actor=user, via="staff")


# --- Workflow actions ---------------------------------------------------------------------------------


def _conflict(request: HttpRequest, case: Case, message: str, action: str) -> HttpResponse:
    if _is_htmx(request):
        return render(
            request, "proxy/_conflict.html", {"case": case, "message": message, "action": action}, status=409
        )
    case.refresh_from_db()
    return _detail(request, case, status=409, conflict=message)


def _invalid(request: HttpRequest, case: Case, form: BootstrapForm, spec: Any) -> HttpResponse:
    if _is_htmx(request):
        return render(
            request, "proxy/_action.html", {"case": case, "action": {"spec": spec, "form": form}}, status=422
        )
    return _detail(request, case, bound=form)


@login_required
@require_POST
def case_act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    try:
        case = actions.act(
            actor=_user(request), case_id=case_id, action=action, data=request.POST, files=request.FILES
        )
    except Conflict as exc:
        return _conflict(request, exc.record, exc.message, action)
    except actions.Refused as exc:
        return _invalid(request, exc.case, exc.form, TRANSITIONS[action])
    messages.success(request, f"已{TRANSITIONS[action].label}")
    return _back_to_case(request, case.pk)


# --- Materials ----------------------------------------------------------------------------------------


@login_required
@require_POST
def material_upload(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = get_case_for_user(user, case_id, write=True)
    if AGENT not in actor_kinds(user, case):
        raise PermissionDenied("只有本代办点的代办员可以上传材料")
    form = UploadForm(request.POST, request.FILES)
    slot = None
    if form.is_valid():
        slot = form.cleaned_data.get("slot")
        try:
            services.add_material(case=case, actor=user, upload=form.cleaned_data["file"], slot=slot)
        except ValidationError as exc:
            error = "；".join(exc.messages)
        else:
            messages.success(request, "材料已上传")
            return redirect(reverse("proxy:detail", args=[case.pk]) + "#materials")
    else:
        slot = _int_or_none(request.POST.get("slot"))
        error = "；".join(str(e) for errors in form.errors.values() for e in errors)
    # The page again, the reason under the material that was refused (type, size, a quota).
    return _detail(request, case, upload_error=(slot, error), status=422)


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw or "")
    except ValueError:
        return None


@login_required
@require_POST
def material_review(request: HttpRequest, case_id: int, material_id: int) -> HttpResponse:
    try:
        material = actions.review_material(
            actor=_user(request), case_id=case_id, material_id=material_id, data=request.POST
        )
    except Conflict as exc:
        return _conflict(request, exc.record, exc.message, "review")
    except actions.Refused as exc:
        error = "；".join(m for messages in exc.fields.values() for m in messages)
        return _detail(request, exc.case, review_error=(material_id, error))
    return _back_to_case(request, material.case_id, "materials")


# --- Agent intake ------------------------------------------------------------------------------------------


ITEM_RESULTS = 20


def _find_items(point: Organisation, q: str) -> list[ServiceItem]:
    offered = services.offered_items(point)
    q = q.strip()
    if not q:
        return list(offered.order_by("-usage_count", "name")[:ITEM_RESULTS])
    # The catalogue's search understands what citizens say (synonyms, pinyin, typos); the point's
    # offer then narrows the ranked hits.
    ids = [hit.id for hit in search(q, limit=ITEM_RESULTS * 3, proxy_only=True)]
    found = offered.select_related("department").in_bulk(ids)
    items = [found[i] for i in ids if i in found][:ITEM_RESULTS]
    # A point that chose a few items may offer none of the best hits: then plain name matching.
    return items or list(offered.select_related("department").filter(name__icontains=q)[:ITEM_RESULTS])


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    points = intake_points(user)
    point_list = list(points)
    if not point_list:
        raise PermissionDenied("只有代办员可以代为录入办件")
    chosen = _int_or_none(request.POST.get("proxy_point") or request.GET.get("point"))
    point = next((p for p in point_list if p.pk == chosen), point_list[0])
    item_id = _int_or_none(request.POST.get("item") or request.GET.get("item"))
    item = (
        services.offered_items(point).select_related("department").filter(pk=item_id).first()
        if item_id
        else None
    )

    if item is None and request.method != "POST":
        search = ItemSearchForm(request.GET)
        q = search.data.get("q", "") if search.is_bound else ""
        context = {
            "search": search,
            "items": _find_items(point, str(q)),
            "q": q,
            "point": point,
            "points": point_list,
        }
        template = "proxy/_item_results.html" if _is_htmx(request) else "proxy/case_new.html"
        return render(request, template, context)

    initial = {
        "proxy_point": point,
        "item": item.pk if item else None,
        "current_city": point.parent.city if point.parent else "",
        "idempotency_key": IntakeForm.new_key(),
    }
    form = IntakeForm(request.POST or None, points=points, point=point, initial=initial)
    if request.method == "POST" and form.is_valid():
        if item is None:
            form.add_error(None, "该代办点不受理此事项，请重新选择事项")
        else:
            data = form.cleaned_data
            try:
                case = services.create_case(
                    actor=user, channel="agent", item=item, proxy_point=data["proxy_point"],
                    applicant=services.Applicant(
                        name=data["name"], id_number=data["id_number"], mobile=data["mobile"],
                        home_region_code=data["home_region_code"], current_city=data["current_city"],
                        current_address=data.get("current_address") or "",
                    ),
                    poa_confirmed=data["poa_confirmed"], note=data.get("note") or "",
                    # Per user: one person's key can never land on another person's case.
                    idempotency_key=f"{user.pk}:{data['idempotency_key']}",
                )  # fmt: skip
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, f"已创建办件 {case.number}，请上传材料后提交预审")
                return redirect(reverse("proxy:detail", args=[case.pk]) + "#materials")
    poa = POA_TEXT.format(point=point.name, item=item.name if item else "")
    context = {
        "form": form,
        "item": item,
        "snapshot": _snapshot(item),
        "point": point,
        "points": point_list,
        "poa_text": poa,
    }
    return render(request, "proxy/case_form.html", context)


def _snapshot(item: ServiceItem | None) -> dict[str, Any]:
    if item is None:
        return {}
    return current_version(item).snapshot


# --- Statistics -------------------------------------------------------------------------------------------


@login_required
def case_stats(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    _require_case_pages(user)
    stats = queries.statistics_for(user)
    if request.GET.get("export") == "xlsx":
        response = xlsx_response(
            filename="代办统计",
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
        ("按状态", ["状态", "办件数"], [[r.label, r.value] for r in stats.by_status]),
        ("按部门", ["受理部门", "办件数"], [[r.label, r.value] for r in stats.by_department]),
        ("按事项", ["事项", "受理部门", "办件数"], [[r.label, *r.extra, r.value] for r in stats.by_item]),
        ("按商会", ["商会", "办件数"], [[r.label, r.value] for r in stats.by_chamber]),
        ("按月份", ["月份", "新建办件数"], [[r.label, r.value] for r in stats.by_month]),
        (
            "按时率",
            ["时限", "已完成", "按时完成", "按时率（%）", "计时中已超期"],
            [[o.label, o.finished, o.on_time, pct(o.rate), o.running_overdue] for o in stats.on_time],
        ),
        (
            "环节用时",
            ["环节", "样本数", "中位用时（小时）"],
            [[m.label, m.count, pct(m.hours)] for m in stats.medians],
        ),
        ("好差评", ["评价", "数量"], [[r.label, r.value] for r in stats.ratings]),
        (
            "差评整改",
            ["项目", "数量"],
            [
                ["整改未办结", stats.follow_ups_open],
                ["其中已超期", stats.follow_ups_overdue],
                ["差评整改总数", stats.follow_ups_total],
            ],
        ),
    ]


# --- Follow-ups (差评整改) ------------------------------------------------------------------------------

MOVE_LABELS = {
    "answer": "提交整改答复",
    "appeal": "申诉",
    "close": "审核通过，办结",
    "reopen": "退回重新整改",
    "uphold_appeal": "申诉成立",
    "reject_appeal": "驳回申诉",
}
TEXT_MOVES = {"answer": "整改答复", "appeal": "申诉理由"}


def _move_buttons(follow_up: FollowUp, allowed: frozenset[str]) -> list[dict[str, str]]:
    """The moves this user may make now: allowed for them and possible from the current state."""
    return [
        {"move": move, "label": label, "text_label": TEXT_MOVES.get(move, "意见（可选）")}
        for move, label in MOVE_LABELS.items()
        if move in allowed and follow_up.state in FOLLOW_UP_MOVES[move][0]
    ]


FOLLOW_UP_STATES = [("", "全部"), ("pending", "未办结"), *FollowUp.State.choices]


@login_required
def followup_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_case_pages(user)
    state = request.GET.get("state", "pending")
    follow_ups = follow_ups_for_user(user).select_related(
        "rating", "rating__case", "rating__case__item", "responsible"
    )
    if state == "pending":
        follow_ups = follow_ups.filter(state__in=queries.OPEN_FOLLOW_UP)
    elif state in FollowUp.State.values:
        follow_ups = follow_ups.filter(state=state)
    page = paginate(request, follow_ups.order_by("due_at", "pk"))
    now = timezone.now()
    rows = [
        {
            "follow_up": f,
            "moves": _move_buttons(f, follow_up_moves(user, f)),
            "overdue": f.state in queries.OPEN_FOLLOW_UP and f.due_at < now,
        }
        for f in page.object_list
    ]
    context = {"page": page, "rows": rows, "state": state, "states": FOLLOW_UP_STATES}
    return render(request, "proxy/followups.html", context)


@login_required
@require_POST
def followup_move(request: HttpRequest, follow_up_id: int, move: str) -> HttpResponse:
    user = _user(request)
    follow_up = get_follow_up_for_user(user, follow_up_id)
    if move not in FOLLOW_UP_MOVES:
        raise Http404("未知的操作")
    if move not in follow_up_moves(user, follow_up):
        raise PermissionDenied("您不能对该整改执行此操作")
    form = FollowUpMoveForm(request.POST)
    form.is_valid()
    try:
        services.move_follow_up(
            follow_up=follow_up, actor=user, move=move, text=form.cleaned_data.get("text") or ""
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        status = 409 if follow_up.state not in FOLLOW_UP_MOVES[move][0] else 422
        if _is_htmx(request):
            return HttpResponse("；".join(exc.messages), status=status)
    else:
        messages.success(request, f"已{MOVE_LABELS[move]}")
    next_url = request.POST.get("next", "")
    case_url = reverse("proxy:detail", args=[follow_up.rating.case_id])
    return redirect(case_url if next_url == "case" else reverse("proxy:followups"))
