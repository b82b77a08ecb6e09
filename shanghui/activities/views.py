"""Staff pages under /activities/: the activity list (filters, Excel), new activity and recurring series,
the activity page (details, slots and the people in them, actions of the workflow, attendance, the
rotating QR code, the timeline), hours to approve and the provincial platforms' export, volunteers,
certificates, venues, statistics. Each view: access check, form, one service call, response; a
workflow conflict is a 409 with its message."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing

from shanghui.accounts.access import staff_user
from shanghui.activities import access, attendance, certificates, hours, queries, services
from shanghui.activities.forms import (
    ActivityFilterForm,
    ActivityForm,
    AddPersonForm,
    CertificateFilterForm,
    CertificateRequestForm,
    HourFilterForm,
    MoveForm,
    NewActivityForm,
    QuantityForm,
    ReasonForm,
    SeriesForm,
    SlotForm,
    TeamForm,
    VenueForm,
    VolunteerFilterForm,
)
from shanghui.activities.models import (
    ACTIVE,
    HOLDING,
    Activity,
    HourRecord,
    HourState,
    SignUp,
    SignUpState,
    Status,
    TeamMember,
    Volunteer,
)
from shanghui.activities.volunteer_views import certificate_response
from shanghui.activities.workflow import MACHINE, ORGANISER, Conflict, TransitionError
from shanghui.audit.actions import AuditAction
from shanghui.orgs.access import scope_label
from shanghui.orgs.models import Organisation
from shanghui.ui.forms import attach_errors
from shanghui.ui.listing import Export, Listing, export_xlsx

STATUS_COLOURS: dict[str, str] = {
    Status.DRAFT: "secondary", Status.PENDING: "warning", Status.PUBLISHED: "primary", Status.IN_PROGRESS: "info",
    Status.FINISHED: "success", Status.CLOSED: "dark", Status.CANCELLED: "secondary",
}  # fmt: skip

ACTIVITY_EXPORT = Export(
    name="活动", action=AuditAction.ACTIVITY_EXPORT, object_type="activities.activity",
    headers=("活动名称", "类型", "主办组织", "状态", "开始时间", "结束时间", "地点", "服务对象", "风险等级",
             "保单号", "岗位人数", "报名人数", "联系人"),
)  # fmt: skip
SIGNUP_EXPORT = Export(
    name="报名与出勤", action=AuditAction.ACTIVITY_SIGNUP_EXPORT, object_type="activities.signup",
    headers=("岗位", "姓名", "手机号", "报名状态", "报名时间", "出勤", "签到时间", "签到方式", "签退时间", "签退方式"),
)  # fmt: skip
# The provincial volunteer platforms (志愿汇, 志愿浙江) take a spreadsheet: the columns are documented in
# docs/activities.md ("省级平台导出") and never reordered.
PLATFORM_EXPORT = Export(
    name="志愿服务时长（省级平台导入）", action=AuditAction.VOLUNTEER_HOURS_EXPORT, object_type="activities.hourrecord",
    headers=("姓名", "手机号", "证件类型", "证件号码", "活动名称", "活动类型", "服务日期", "开始时间", "结束时间",
             "服务时长（小时）", "组织单位", "服务对象", "认定状态", "认定时间", "记录编号"),
)  # fmt: skip
VOLUNTEER_EXPORT = Export(
    name="志愿者", action=AuditAction.VOLUNTEER_EXPORT, object_type="activities.volunteer",
    headers=("姓名", "手机号", "技能", "已完成培训", "认定时长（小时）", "参加次数"),
)  # fmt: skip


def _user(request: HttpRequest) -> Any:
    user = staff_user(request)
    access.require_staff(user)
    return user


def _fmt(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


# --- Activity list ----------------------------------------------------------------------------------------


@login_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    visible = access.activities_for_user(user)
    organisations = Organisation.objects.filter(pk__in=visible.values("organisation_id")).order_by("path")
    listing = Listing(request, ActivityFilterForm(request.GET, organisations=organisations))
    rows = (
        listing.form.apply(visible)
        .select_related("organisation", "kind", "venue")
        .order_by("-starts_at", "-pk")
    )
    if listing.exporting:
        return listing.export(ACTIVITY_EXPORT, _activity_rows(rows))
    page = listing.page(rows)
    counts = queries.signup_counts([a.pk for a in page.object_list])
    return render(request, "activities/activity_list.html", listing.context(
        page, rows=[(a, STATUS_COLOURS.get(a.status, "secondary"), counts.get(a.pk, (0, 0))) for a in page.object_list],
        can_create=access.host_organisations(user).exists(),
    ))  # fmt: skip


def _activity_rows(rows: QuerySet[Activity]) -> Iterator[list[Any]]:
    for chunk_start in range(0, 10**9, 500):
        chunk = list(rows[chunk_start : chunk_start + 500])
        if not chunk:
            return
        counts = queries.signup_counts([a.pk for a in chunk])
        for a in chunk:
            places, taken = counts.get(a.pk, (0, 0))
            yield [
                a.title, a.kind.name, a.organisation.name, a.get_status_display(), _fmt(a.starts_at), _fmt(a.ends_at),
                a.where, a.beneficiary_text, a.get_risk_display(), a.insurance_policy, places, taken, a.contact_name,
            ]  # fmt: skip


# --- New and edit ------------------------------------------------------------------------------------------


def _venues(user: Any) -> Any:
    return (
        access.venues_for_user(user)
        .filter(is_active=True)
        .select_related("organisation")
        .order_by("organisation__path", "name")
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organisations = access.host_organisations(user)
    if not organisations.exists():
        raise PermissionDenied(gettext("您不能创建活动"))
    status = 200
    if request.method == "POST":
        form = NewActivityForm(request.POST, organisations=organisations, venues=_venues(user))
        if form.is_valid():
            fields = form.activity_fields()
            slot = {"role": fields.pop("slot_role"), "quantity": fields.pop("slot_quantity")}
            try:
                activity = services.create_activity(
                    actor=user, organisation=form.cleaned_data["organisation"], slots=[slot], **fields
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, gettext("活动已创建（草稿），添加岗位后提交立项审批"))
                return redirect("activities:detail", activity.pk)
        status = 422
    else:
        form = NewActivityForm(
            organisations=organisations, venues=_venues(user),
            initial={"organisation": organisations.first(), "contact_name": user.name, "auto_confirm": True},
        )  # fmt: skip
    return render(
        request, "activities/activity_form.html", {"form": form, "title": gettext("新建活动")}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, activity_id: int) -> HttpResponse:
    user = _user(request)
    activity = access.get_activity_for_user(user, activity_id, write=True)
    organisations = Organisation.objects.filter(pk=activity.organisation_id)
    status = 200
    if request.method == "POST":
        form = ActivityForm(request.POST, organisations=organisations, venues=_venues(user))
        if form.is_valid():
            try:
                services.update_activity(actor=user, activity=activity, **form.activity_fields())
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, gettext("活动已保存"))
                return redirect("activities:detail", activity.pk)
        status = 422
    else:
        initial = {name: getattr(activity, name) for name in services.ACTIVITY_FIELDS}
        initial.update(organisation=activity.organisation, starts_at=timezone.localtime(activity.starts_at),
                       ends_at=timezone.localtime(activity.ends_at))  # fmt: skip
        if activity.cancel_deadline:
            initial["cancel_deadline"] = timezone.localtime(activity.cancel_deadline)
        form = ActivityForm(organisations=organisations, venues=_venues(user), initial=initial)
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "activity": activity, "title": gettext("修改活动")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def series_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organisations = access.host_organisations(user)
    if not organisations.exists():
        raise PermissionDenied(gettext("您不能创建活动"))
    status = 200
    if request.method == "POST":
        form = SeriesForm(request.POST, organisations=organisations, venues=_venues(user))
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                series = services.create_series(
                    actor=user, organisation=data.pop("organisation"), weekdays=data.pop("weekdays"),
                    start_time=data.pop("start_time"), end_time=data.pop("end_time"), first_day=data.pop("first_day"),
                    last_day=data.pop("last_day"), interval=data.pop("interval"), quantity=data.pop("quantity"), **data,
                )  # fmt: skip
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, f"已按规则生成 {series.activities.count()} 场活动（草稿）")
                return redirect(f"{reverse('activities:list')}?q={series.title}")
        status = 422
    else:
        form = SeriesForm(
            organisations=organisations, venues=_venues(user), initial={"organisation": organisations.first()}
        )
    return render(request, "activities/series_form.html", {"form": form}, status=status)


# --- The activity page ---------------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, activity: Activity, user: Any, **extra: Any) -> dict[str, Any]:
    kinds = access.actor_kinds(user, activity)
    organiser = ORGANISER in kinds
    slots = list(activity.slots.annotate(taken=Count("signups", filter=Q(signups__state__in=HOLDING))))
    signups = list(
        activity.signups.select_related("volunteer", "slot", "check_in_by", "check_out_by").order_by(
            "slot__starts_at", "slot_id", "created_at", "pk"
        )
    )
    by_slot: dict[int, list[SignUp]] = {}
    for s in signups:
        by_slot.setdefault(s.slot_id, []).append(s)
    events = [
        (e, MACHINE.event_label(e.action), MACHINE.actor_label(e.actor_kind))
        for e in activity.events.select_related("actor").order_by("created_at", "pk")
    ]
    pending = HourRecord.objects.filter(activity=activity, state=HourState.PENDING).count()
    return {
        "activity": activity, "colour": STATUS_COLOURS.get(activity.status, "secondary"),
        "actions": MACHINE.allowed(activity, kinds), "organiser": organiser,
        "blocked": {t.action: MACHINE.blocked(activity, t) for t in MACHINE.table.values() if activity.status in t.sources and MACHINE.blocked(activity, t)},
        "slots": [(slot, by_slot.get(slot.pk, [])) for slot in slots], "events": events,
        "slot_form": SlotForm(), "add_form": AddPersonForm(activity=activity), "move_form": MoveForm(activity=activity),
        "reason_form": ReasonForm(), "pending_hours": pending, "active_states": ACTIVE,
        "checkable": activity.status in attendance.CHECKABLE, "editable": activity.status in services.EDITABLE,
        **extra,
    }  # fmt: skip


@login_required
@require_GET
def activity_detail(request: HttpRequest, activity_id: int) -> HttpResponseBase:
    user = _user(request)
    activity = access.get_activity_for_user(user, activity_id)
    if request.GET.get("export") == "xlsx":
        rows = activity.signups.select_related("volunteer", "slot").order_by("slot__starts_at", "created_at")
        data = (
            [s.slot.role, s.volunteer.name, s.volunteer.masked_mobile, s.get_state_display(), _fmt(s.created_at),
             s.get_attendance_display(), _fmt(s.checked_in_at), s.get_check_in_method_display(), _fmt(s.checked_out_at),
             s.get_check_out_method_display()]
            for s in rows
        )  # fmt: skip
        return export_xlsx(request, SIGNUP_EXPORT, data, detail={"activity": activity.pk})
    return render(request, "activities/activity_detail.html", _detail_context(request, activity, user))


@login_required
@require_POST
def activity_act(request: HttpRequest, activity_id: int, action: str) -> HttpResponse:
    user = _user(request)
    activity = access.get_activity_for_user(user, activity_id)
    spec = MACHINE.table.get(action)
    if spec is None:
        raise Http404(gettext("未知的操作"))
    kinds = access.actor_kinds(user, activity) & set(spec.actors)
    if not kinds:
        raise PermissionDenied(f"您不能执行“{spec.label}”")
    try:
        MACHINE.transition(
            pk=activity.pk, action=action, actor=user, actor_kind=sorted(kinds)[0],
            expected_status=request.POST.get("status") or activity.status, params={"reason": request.POST.get("reason", "")},
        )  # fmt: skip
    except Conflict as exc:
        context = _detail_context(
            request, access.get_activity_for_user(user, activity_id), user, error=exc.message
        )
        return render(request, "activities/activity_detail.html", context, status=409)
    except TransitionError as exc:
        context = _detail_context(request, activity, user, error="；".join(exc.messages))
        return render(request, "activities/activity_detail.html", context, status=422)
    messages.success(request, f"已{spec.label}")
    return redirect("activities:detail", activity.pk)


def _back_with(request: HttpRequest, activity: Activity, user: Any, exc: ValidationError) -> HttpResponse:
    context = _detail_context(
        request, access.get_activity_for_user(user, activity.pk), user, error="；".join(exc.messages)
    )
    return render(request, "activities/activity_detail.html", context, status=422)


@login_required
@require_POST
def slot_add(request: HttpRequest, activity_id: int) -> HttpResponse:
    user = _user(request)
    activity = access.get_activity_for_user(user, activity_id, write=True)
    form = SlotForm(request.POST)
    if not form.is_valid():
        return _back_with(
            request,
            activity,
            user,
            ValidationError(
                [f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items() if k in form.fields]
                or [gettext("输入有误")]
            ),
        )
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    try:
        services.add_slot(actor=user, activity=activity, **data)
    except ValidationError as exc:
        return _back_with(request, activity, user, exc)
    messages.success(request, gettext("岗位已添加"))
    return redirect("activities:detail", activity.pk)


@login_required
@require_POST
def slot_quantity(request: HttpRequest, activity_id: int, slot_id: int) -> HttpResponse:
    user = _user(request)
    activity = access.get_activity_for_user(user, activity_id, write=True)
    slot = activity.slots.filter(pk=slot_id).first()
    if slot is None:
        raise Http404(gettext("岗位不存在"))
    form = QuantityForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("人数应为 1–10000"))
        services.change_slot_quantity(actor=user, slot=slot, quantity=form.cleaned_data["quantity"])
    except ValidationError as exc:
        return _back_with(request, activity, user, exc)
    messages.success(request, gettext("人数已修改"))
    return redirect("activities:detail", activity.pk)


@login_required
@require_POST
def person_add(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The organiser adds someone (by mobile and name) to a slot."""
    user = _user(request)
    activity = access.get_activity_for_user(user, activity_id, write=True)
    form = AddPersonForm(request.POST, activity=activity)
    try:
        if not form.is_valid():
            raise ValidationError(
                [f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items() if k in form.fields]
                or [gettext("输入有误")]
            )
        data = form.cleaned_data
        volunteer = services.volunteer_for_mobile(data["mobile"]) or services.save_volunteer(
            mobile=data["mobile"], name=data["name"]
        )
        services.sign_up(volunteer=volunteer, slot=data["slot"], actor=user, by_organiser=True)
    except ValidationError as exc:
        return _back_with(request, activity, user, exc)
    messages.success(request, gettext("已添加报名"))
    return redirect("activities:detail", activity.pk)


SIGNUP_OPS = ("confirm", "refuse", "cancel", "move", "in", "out")


@login_required
@require_POST
def signup_op(request: HttpRequest, signup_id: int, op: str) -> HttpResponse:
    user = _user(request)
    if op not in SIGNUP_OPS:
        raise Http404(gettext("未知的操作"))
    signup = access.get_signup_for_user(user, signup_id, write=True)
    activity = signup.activity
    try:
        if op in ("confirm", "refuse"):
            services.decide_signup(actor=user, signup=signup, confirm=op == "confirm")
        elif op == "cancel":
            services.cancel_signup(signup=signup, actor=user, by_organiser=True)
        elif op == "move":
            form = MoveForm(request.POST, activity=activity)
            if not form.is_valid():
                raise ValidationError(_("请选择要调到的岗位"))
            services.move_signup(actor=user, signup=signup, to_slot=form.cleaned_data["slot"])
        else:
            attendance.mark(actor=user, signup=signup, direction=op)
    except ValidationError as exc:
        return _back_with(request, activity, user, exc)
    messages.success(request, gettext("已保存"))
    return redirect("activities:detail", activity.pk)


@login_required
@require_POST
def attendance_import(request: HttpRequest, activity_id: int) -> HttpResponse:
    """A sign-in sheet typed into Excel (手机号, 签到时间, 签退时间): all rows or none."""
    user = _user(request)
    activity = access.get_activity_for_user(user, activity_id, write=True)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError(_("请选择 Excel 文件"))
        if upload.size is None or upload.size > 2 * 1024 * 1024:
            raise ValidationError(_("文件不能超过 2 MB"))
        rows = _xlsx_rows(upload)
        n = attendance.import_attendance(actor=user, activity=activity, rows=rows)
    except ValidationError as exc:
        return _back_with(request, activity, user, exc)
    messages.success(request, f"已导入 {n} 人的签到签退")
    return redirect("activities:detail", activity.pk)


def _xlsx_rows(upload: Any) -> list[tuple[object, ...]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(upload, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows: list[tuple[object, ...]] = [
            tuple(row[:3])
            for row in sheet.iter_rows(max_row=attendance.MAX_IMPORT_ROWS + 2, values_only=True)
        ]
        book.close()
    except (BadZipFile, KeyError, ValueError, OSError, IndexError):
        raise ValidationError(_("无法读取文件，请上传 .xlsx 格式的 Excel 表格")) from None
    return rows


# --- The rotating QR code --------------------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def qr_page(request: HttpRequest, activity_id: int, direction: str) -> HttpResponse:
    """Shown on the organiser's phone; the page reloads itself when the code turns over (meta refresh:
    no script needed)."""
    user = _user(request)
    activity = access.get_activity_for_user(user, activity_id, write=True)
    if direction not in (attendance.IN, attendance.OUT):
        raise Http404(gettext("未知的二维码"))
    token = attendance.qr_token(activity, direction)
    link = request.build_absolute_uri(reverse("volunteer:scan", args=[token]))
    present = activity.signups.filter(state=SignUpState.CONFIRMED, checked_in_at__isnull=False).count()
    confirmed = activity.signups.filter(state=SignUpState.CONFIRMED).count()
    return render(request, "activities/qr.html", {
        "activity": activity, "direction": direction, "link": link, "svg": _qr_svg(link),
        "refresh": attendance.seconds_left(), "present": present, "confirmed": confirmed,
    })  # fmt: skip


def _qr_svg(link: str) -> str:
    widget = QrCodeWidget(link)
    x0, y0, x1, y1 = widget.getBounds()
    size = 280
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    # As a data: image (the page's Content-Security-Policy allows those; inline SVG styles it would not).
    return base64.b64encode(renderSVG.drawToString(drawing).encode()).decode()


# --- Hours ------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def hour_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    visible = access.hours_for_user(user)
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("record") if v.isdigit() and len(v) < 18]
        chosen = [access.get_hours_for_user(user, pk, write=True) for pk in ids]
        if not chosen:
            messages.error(request, gettext("请勾选要审核的时长记录"))
        else:
            n = hours.decide(actor=user, records=chosen, approve=request.POST.get("decision") == "approve")
            messages.success(request, f"已审核 {n} 条时长记录")
        return redirect(request.get_full_path())
    organisations = Organisation.objects.filter(pk__in=visible.values("organisation_id")).order_by("path")
    data = request.GET.copy() if request.GET else {"state": HourState.PENDING}
    listing = Listing(request, HourFilterForm(data, organisations=organisations))
    rows = (
        listing.form.apply(visible)
        .select_related("volunteer", "activity", "kind", "organisation", "corrects", "decided_by")
        .order_by("-served_on", "-pk")
    )
    if listing.exporting:
        return listing.export(PLATFORM_EXPORT, _platform_rows(rows))
    page = listing.page(rows)
    writable = {
        a.pk
        for a in access.activities_for_user(user).filter(pk__in={r.activity_id for r in page.object_list})
        if ORGANISER in access.actor_kinds(user, a)
    }
    return render(request, "activities/hour_list.html", listing.context(page, writable=writable))


def _platform_rows(rows: QuerySet[HourRecord]) -> Iterator[list[Any]]:
    for r in rows.select_related("signup").iterator(chunk_size=500):
        signup = r.signup
        yield [
            r.volunteer.name, r.volunteer.mobile, gettext("居民身份证") if r.volunteer.id_number else "", r.volunteer.id_number,
            r.activity.title, r.kind.name, r.served_on.isoformat(), _fmt(signup.checked_in_at), _fmt(signup.checked_out_at),
            float(r.hours), r.organisation.name, r.activity.beneficiary_text, r.get_state_display(), _fmt(r.decided_at), r.pk,
        ]  # fmt: skip


# --- Volunteers and certificates ---------------------------------------------------------------------------------


@login_required
@require_GET
def volunteer_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    listing = Listing(request, VolunteerFilterForm(request.GET))
    rows = listing.form.apply(access.volunteers_for_user(user)).order_by("name", "pk")
    if listing.exporting:
        return listing.export(VOLUNTEER_EXPORT, _volunteer_rows(rows))
    page = listing.page(rows)
    totals = queries.volunteer_totals([v.pk for v in page.object_list])
    return render(request, "activities/volunteer_list.html", listing.context(
        page, rows=[(v, *totals.get(v.pk, (0, 0))) for v in page.object_list]
    ))  # fmt: skip


def _volunteer_rows(rows: QuerySet[Volunteer]) -> Iterator[list[Any]]:
    chunk: list[Volunteer] = []
    for v in rows.iterator(chunk_size=500):
        chunk.append(v)
        if len(chunk) == 500:
            yield from _volunteer_chunk(chunk)
            chunk = []
    yield from _volunteer_chunk(chunk)


def _volunteer_chunk(chunk: list[Volunteer]) -> Iterator[list[Any]]:
    totals = queries.volunteer_totals([v.pk for v in chunk])
    for v in chunk:
        total, times = totals.get(v.pk, (0, 0))
        yield [v.name, v.masked_mobile, v.skills, v.trainings, float(total), times]


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_detail(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    user = _user(request)
    volunteer = access.get_volunteer_for_user(user, volunteer_id)
    organisations = access.host_organisations(user)
    form = CertificateRequestForm(
        organisations=organisations, initial={"organisation": organisations.first()}
    )
    status = 200
    if request.method == "POST":
        form = CertificateRequestForm(request.POST, organisations=organisations)
        if form.is_valid():
            try:
                cert = certificates.issue(
                    actor=user, volunteer=volunteer, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, f"已出具志愿服务证明 {cert.number}")
                return redirect("activities:volunteer", volunteer.pk)
        status = 422
    records = (
        access.hours_for_user(user)
        .filter(volunteer=volunteer)
        .select_related("activity", "kind")
        .order_by("-served_on")[:50]
    )
    signups = (
        access.signups_for_user(user)
        .filter(volunteer=volunteer)
        .select_related("activity", "slot")
        .order_by("-starts_at")[:50]
    )
    total = hours.approved_hours(volunteer)
    return render(request, "activities/volunteer_detail.html", {
        "volunteer": volunteer, "records": records, "signups": signups, "total": total, "star": hours.star_level(total),
        "certificates": access.certificates_for_user(user).filter(volunteer=volunteer), "form": form,
        "can_issue": organisations.exists(),
    }, status=status)  # fmt: skip


@login_required
@require_GET
def certificate_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    listing = Listing(request, CertificateFilterForm(request.GET))
    rows = (
        listing.form.apply(access.certificates_for_user(user))
        .select_related("volunteer", "organisation")
        .order_by("-issued_at", "-pk")
    )
    return render(
        request,
        "activities/certificate_list.html",
        listing.context(listing.page(rows), reason_form=ReasonForm()),
    )


@login_required
@require_GET
def certificate_pdf(request: HttpRequest, certificate_id: int) -> HttpResponse:
    user = _user(request)
    return certificate_response(request, access.get_certificate_for_user(user, certificate_id))


@login_required
@require_POST
def certificate_void(request: HttpRequest, certificate_id: int) -> HttpResponse:
    user = _user(request)
    cert = access.get_certificate_for_user(user, certificate_id, write=True)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写作废原因"))
        certificates.void(actor=user, certificate=cert, reason=form.cleaned_data["reason"], request=request)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"证明 {cert.number} 已作废")
    return redirect("activities:certificates")


# --- Venues --------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def venue_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organisations = access.host_organisations(user)
    form = VenueForm(organisations=organisations, initial={"organisation": organisations.first()})
    status = 200
    if request.method == "POST":
        if not organisations.exists():
            raise PermissionDenied(gettext("您不能登记场地"))
        form = VenueForm(request.POST, organisations=organisations)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.save_venue(actor=user, organisation=data.pop("organisation"), **data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, gettext("场地已登记"))
                return redirect("activities:venues")
        status = 422
    rows = access.venues_for_user(user).select_related("organisation").order_by("organisation__path", "name")
    listing = Listing(request, VolunteerFilterForm(request.GET))
    if q := request.GET.get("q", "").strip()[:100]:
        rows = rows.filter(Q(name__icontains=q) | Q(address__icontains=q))
    return render(
        request,
        "activities/venue_list.html",
        listing.context(listing.page(rows), venue_form=form, can_create=organisations.exists()),
        status=status,
    )


# --- Volunteer teams -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def team_list(request: HttpRequest) -> HttpResponse:
    """A chamber's volunteer teams and the applications to join them (approved by the team's organisers)."""
    user = _user(request)
    organisations = access.host_organisations(user)
    form = TeamForm(organisations=organisations, initial={"organisation": organisations.first()})
    status = 200
    if request.method == "POST":
        if not organisations.exists():
            raise PermissionDenied(gettext("您不能建立志愿服务队"))
        form = TeamForm(request.POST, organisations=organisations)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.create_team(actor=user, organisation=data.pop("organisation"), **data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, gettext("志愿服务队已建立"))
                return redirect("activities:teams")
        status = 422
    teams = access.teams_for_user(user).select_related("organisation").annotate(
        members_n=Count("members", filter=Q(members__state="approved")),
        waiting_n=Count("members", filter=Q(members__state="applied")),
    ).order_by("organisation__path", "name")  # fmt: skip
    listing = Listing(request, VolunteerFilterForm(request.GET))
    if q := request.GET.get("q", "").strip()[:100]:
        teams = teams.filter(name__icontains=q)
    waiting = (
        TeamMember.objects.filter(team__in=access.teams_for_user(user), state=TeamMember.State.APPLIED)
        .select_related("team", "volunteer").order_by("created_at")[:100]
    )  # fmt: skip
    return render(request, "activities/team_list.html", listing.context(
        listing.page(teams), team_form=form, can_create=organisations.exists(), waiting=waiting,
    ), status=status)  # fmt: skip


@login_required
@require_POST
def team_member_decide(request: HttpRequest, member_id: int, decision: str) -> HttpResponse:
    user = _user(request)
    if decision not in ("approve", "refuse"):
        raise Http404(gettext("未知的操作"))
    member = access.get_team_member_for_user(user, member_id)
    try:
        services.decide_team_member(actor=user, member=member, approve=decision == "approve")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, gettext("已处理"))
    return redirect("activities:teams")


# --- Statistics ------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    year = queries.year_of(request.GET.get("year"))
    figures = queries.statistics(access.activities_for_user(user), access.hours_for_user(user), year=year)
    if request.GET.get("export") == "xlsx":
        return queries.export_statistics(request, figures, scope=scope_label(user, access.READER_ROLES))
    return render(
        request,
        "activities/stats.html",
        {"stats": figures, "charts": figures.charts(), "years": queries.years()},
    )
