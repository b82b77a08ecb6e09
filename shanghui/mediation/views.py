"""The staff pages of dispute mediation (/mediation/): the list with filters and audited Excel export, the
dispute page with one form per action the table offers, intake on someone's behalf, mediators, sessions,
files, the agreement and confirmation PDFs, and the statistics with their export.

Access (access.py): a dispute the user may not see is a 404, one they see but may not act on a 403. Every
opening of a dispute by someone who is not its mediator is recorded in the audit log. A conflict (the
dispute moved on) answers 409, bad input 422, each with the page and its message; nothing changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanghui.accounts.access import staff_user
from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.downloads import audited_file_response
from shanghui.audit.services import record
from shanghui.lib.xlsx import Sheet, caption, xlsx_response
from shanghui.mediation import access, documents, services
from shanghui.mediation.clocks import CLOCKS
from shanghui.mediation.forms import (
    ACTION_FIELDS,
    PERFORMANCE_CHOICES,
    AssignForm,
    DisputeFilterForm,
    DisputeForm,
    MinutesForm,
    RecuseForm,
    SessionForm,
    StatsFilterForm,
    UploadForm,
)
from shanghui.mediation.models import Committee, Dispute, DisputeEvent, Party
from shanghui.mediation.queries import figures
from shanghui.mediation.workflow import COMMITTEE, MACHINE, Conflict, TransitionError
from shanghui.ui.forms import attach_errors
from shanghui.ui.listing import Export, Listing

STATUS_COLOURS = {
    "filed": "primary", "declined": "danger", "awaiting_consent": "info", "refused": "danger",
    "mediating": "primary", "agreement_drafted": "warning", "in_effect": "success", "confirming": "info",
    "performing": "success", "failed": "secondary", "withdrawn": "secondary", "closed": "dark",
}  # fmt: skip


def _id(raw: Any) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise Http404(gettext("无效的编号")) from None
    if not 0 < value < 2**63:
        raise Http404(gettext("无效的编号"))
    return value


def _require_pages(user: User) -> None:
    if not access.can_use_dispute_pages(user):
        raise PermissionDenied(gettext("纠纷调解页面只对调委会管理员和调解员开放"))


# --- The list ---------------------------------------------------------------------------------------

DISPUTE_EXPORT = Export(
    name="纠纷调解", action=AuditAction.MEDIATION_EXPORT, object_type="mediation.dispute",
    headers=("纠纷编号", "调解委员会", "来源", "委派机关案号", "纠纷类型", "争议金额（元）", "申请人", "被申请人", "状态",
             "登记时间", "受理时间", "调解期限", "调解结果", "协议金额（元）", "司法确认", "履行情况"),
)  # fmt: skip


def _names(dispute_ids: list[int]) -> dict[int, tuple[str, str]]:
    found: dict[int, tuple[list[str], list[str]]] = {pk: ([], []) for pk in dispute_ids}
    for dispute_id, side, name in Party.objects.filter(dispute_id__in=dispute_ids).values_list(
        "dispute_id", "side", "name"
    ):
        found[dispute_id][0 if side == "applicant" else 1].append(name)
    return {pk: ("、".join(a), "、".join(r)) for pk, (a, r) in found.items()}


def _local(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def _export_rows(rows: Any) -> Any:
    batch: list[Dispute] = []
    for dispute in rows.select_related("committee").iterator(chunk_size=500):
        batch.append(dispute)
        if len(batch) == 500:
            yield from _export_batch(batch)
            batch = []
    yield from _export_batch(batch)


def _export_batch(batch: list[Dispute]) -> Any:
    names = _names([d.pk for d in batch])
    for d in batch:
        yield [d.number, d.committee.name, d.get_source_display(), d.external_number, d.get_kind_display(), d.amount,
               *names[d.pk], d.get_status_display(), _local(d.filed_at), _local(d.accepted_at),
               _local(d.mediation_due_at), d.get_outcome_display() if d.outcome else "", d.settled_amount or "",
               d.get_court_decision_display() if d.court_decision else (gettext("已申请") if d.confirmation_applied_at else ""),
               d.get_performance_display() if d.performance else ""]  # fmt: skip


@login_required
@require_GET
def dispute_list(request: HttpRequest) -> HttpResponseBase:
    user = staff_user(request)
    if not access.can_use_dispute_pages(user) and access.can_see_statistics(user):
        return redirect("mediation:stats")  # chamber and federation staff see figures, never disputes
    _require_pages(user)
    visible = access.disputes_for_user(user)
    committees = Committee.objects.filter(pk__in=visible.values("committee_id")).order_by("name")
    listing = Listing(request, DisputeFilterForm(request.GET, committees=committees))
    now = timezone.now()
    rows = listing.form.apply(visible, now=now).order_by("-filed_at", "-pk")
    if listing.exporting:
        return listing.export(DISPUTE_EXPORT, _export_rows(rows))
    page = listing.page(rows.select_related("committee"))
    disputes = list(page.object_list)
    names = _names([d.pk for d in disputes])
    table = [
        (d, names[d.pk], STATUS_COLOURS.get(d.status, "secondary"), CLOCKS.running_state(d, now))
        for d in disputes
    ]
    mine = Committee.objects.filter(members__user=user).distinct().order_by("name")
    context = listing.context(page, rows=table, can_file=access.intake_committees(user).exists(), my_committees=mine,
                              can_stats=access.can_see_statistics(user))  # fmt: skip
    return render(request, "mediation/list.html", context)


# --- Intake on someone's behalf -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def dispute_new(request: HttpRequest) -> HttpResponseBase:
    user = staff_user(request)
    committees = access.intake_committees(user)
    if not committees.exists():
        raise PermissionDenied(gettext("只有调委会管理员可以登记纠纷"))
    form = DisputeForm(request.POST or None, request.FILES or None, committees=committees, staff=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dispute = services.create_dispute(
                actor=user, committee=data["committee"], source=data["source"], kind=data["kind"],
                amount=data["amount"], facts=data["facts"], claims=data["claims"], parties=form.parties(),
                external_number=data.get("external_number") or "", delegated_by=data.get("delegated_by") or "",
                files=data.get("evidence") or [],
            )  # fmt: skip
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, f"纠纷{dispute.number}已登记，受理时限为3个工作日。")
            return redirect("mediation:detail", dispute_id=dispute.pk)
    return render(request, "mediation/new.html", form_context(form), status=422 if form.errors else 200)


def form_context(form: DisputeForm) -> dict[str, Any]:
    return {"form": form, "applicant_fields": form.party_fields("applicant"),
            "respondent_fields": form.party_fields("respondent"), "case_fields": form.case_fields()}  # fmt: skip


# --- The dispute page ---------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, dispute: Dispute, kinds: set[str], **extra: Any) -> dict[str, Any]:
    user = staff_user(request)
    now = timezone.now()
    events = list(
        DisputeEvent.objects.filter(dispute=dispute).select_related("actor").order_by("created_at", "pk")
    )
    assignments = list(dispute.assignments.select_related("mediator").order_by("assigned_at", "pk"))
    mine = next((a for a in assignments if a.mediator_id == user.pk and a.recused_at is None), None)
    return {
        "dispute": dispute, "kinds": kinds, "colour": STATUS_COLOURS.get(dispute.status, "secondary"),
        "parties": list(dispute.parties.all()), "assignments": assignments, "mine": mine,
        "sessions": list(dispute.sessions.prefetch_related("files")), "files": list(services.visible_files(dispute, party=False)),
        "clocks": CLOCKS.states(dispute, now),
        "actions": [(t, ACTION_FIELDS.get(t.action, [])) for t in MACHINE.allowed(dispute, kinds)],
        "act_base": f"/mediation/{dispute.pk}/act/",
        "timeline": [(e, MACHINE.event_label(e.action), MACHINE.actor_label(e.actor_kind)) for e in events],
        "performance_choices": PERFORMANCE_CHOICES,
        "assign_form": AssignForm(roster=access.roster(dispute.committee)) if COMMITTEE in kinds else None,
        "session_form": SessionForm() if kinds else None, "minutes_form": MinutesForm(), "upload_form": UploadForm(),
        "recuse_form": RecuseForm(), "has_agreement": documents.has_written_agreement(dispute),
        **extra,
    }  # fmt: skip


@login_required
@require_GET
def dispute_detail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    user = staff_user(request)
    dispute = access.get_dispute_for_user(user, _id(dispute_id))
    kinds = access.actor_kinds(user, dispute)
    if access.opening_is_audited(kinds):
        record(actor=user, action=AuditAction.MEDIATION_OPEN, obj=dispute, request=request,
               detail={"as": sorted(kinds) or ["read"]})  # fmt: skip
    return render(request, "mediation/detail.html", _detail_context(request, dispute, kinds))


def _answer(request: HttpRequest, dispute_id: int, *, error: Any = None, status: int = 422) -> HttpResponse:
    """The dispute page again with the error above it (and the status: 409 conflict, 422 bad input)."""
    user = staff_user(request)
    dispute = access.get_dispute_for_user(user, dispute_id)
    kinds = access.actor_kinds(user, dispute)
    errors = error.messages if isinstance(error, ValidationError) else [str(error)]
    return render(
        request,
        "mediation/detail.html",
        _detail_context(request, dispute, kinds, errors=errors),
        status=status,
    )


def _write(request: HttpRequest, dispute_id: int) -> tuple[User, Dispute, set[str]]:
    user = staff_user(request)
    dispute = access.get_dispute_for_user(user, _id(dispute_id), write=True)
    return user, dispute, access.actor_kinds(user, dispute)


def action_params(request: HttpRequest, action: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, _label, kind in ACTION_FIELDS.get(action, []):
        if kind == "file":
            params[name] = request.FILES.get(name)
        elif kind == "checkbox":
            params[name] = request.POST.get(name) in {"on", "1", "true"}
        else:
            params[name] = request.POST.get(name, "").strip()
    return params


@login_required
@require_POST
def act(request: HttpRequest, dispute_id: int, action: str) -> HttpResponse:
    user, dispute, kinds = _write(request, dispute_id)
    if action not in MACHINE.table:
        raise Http404(gettext("未知的操作"))
    try:
        services.act(dispute_id=dispute.pk, action=action, actor=user, kinds=kinds,
                     expected_status=request.POST.get("status") or None, params=action_params(request, action))  # fmt: skip
    except Conflict as exc:
        return _answer(request, dispute.pk, error=exc.message, status=409)
    except (TransitionError, ValidationError) as exc:
        if getattr(exc, "code", "") == "forbidden":
            raise PermissionDenied(exc.messages[0]) from None
        return _answer(request, dispute.pk, error=exc)
    messages.success(request, f"已{MACHINE.spec(action).label}。")
    return redirect("mediation:detail", dispute_id=dispute.pk)


def _done(request: HttpRequest, dispute: Dispute, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("mediation:detail", dispute_id=dispute.pk)


@login_required
@require_POST
def assign(request: HttpRequest, dispute_id: int) -> HttpResponse:
    user, dispute, kinds = _write(request, dispute_id)
    if COMMITTEE not in kinds:
        raise PermissionDenied(gettext("只有调委会可以指派调解员"))
    form = AssignForm(request.POST, roster=access.roster(dispute.committee))
    if not form.is_valid():
        return _answer(
            request,
            dispute.pk,
            error=ValidationError(list(form.errors.get("mediator") or [gettext("请选择调解员")])),
        )
    try:
        services.assign_mediator(actor=user, kinds=kinds, dispute_id=dispute.pk, mediator=form.cleaned_data["mediator"],
                                 chosen_by_parties=form.cleaned_data["chosen_by_parties"],
                                 override_reason=form.cleaned_data["override_reason"])  # fmt: skip
    except ValidationError as exc:
        return _answer(request, dispute.pk, error=exc)
    return _done(request, dispute, gettext("已指派调解员，请其作出无利害关系声明。"))


@login_required
@require_POST
def declare(request: HttpRequest, dispute_id: int) -> HttpResponse:
    user, dispute, _kinds = _write(request, dispute_id)
    try:
        services.declare_no_conflict(actor=user, dispute_id=dispute.pk)
    except ValidationError as exc:
        return _answer(request, dispute.pk, error=exc)
    return _done(request, dispute, gettext("已声明与各方当事人无利害关系。"))


@login_required
@require_POST
def recuse(request: HttpRequest, dispute_id: int, assignment_id: int) -> HttpResponse:
    user, dispute, kinds = _write(request, dispute_id)
    try:
        services.recuse(actor=user, kinds=kinds, dispute_id=dispute.pk, assignment_id=_id(assignment_id),
                        reason=request.POST.get("reason", ""))  # fmt: skip
    except ValidationError as exc:
        return _answer(request, dispute.pk, error=exc)
    return _done(request, dispute, gettext("调解员已回避。"))


@login_required
@require_POST
def schedule(request: HttpRequest, dispute_id: int) -> HttpResponse:
    user, dispute, kinds = _write(request, dispute_id)
    form = SessionForm(request.POST)
    if not form.is_valid():
        return _answer(
            request, dispute.pk, error=ValidationError([e for errs in form.errors.values() for e in errs])
        )
    data = form.cleaned_data
    try:
        services.schedule_session(actor=user, kinds=kinds, dispute_id=dispute.pk, scheduled_at=data["scheduled_at"],
                                  place=data["place"], online=data["online"], public=data["public"])  # fmt: skip
    except ValidationError as exc:
        return _answer(request, dispute.pk, error=exc)
    return _done(request, dispute, gettext("调解会已安排，已短信通知各方当事人。"))


@login_required
@require_POST
def minutes(request: HttpRequest, dispute_id: int, session_id: int) -> HttpResponse:
    user, dispute, kinds = _write(request, dispute_id)
    if not dispute.sessions.filter(pk=_id(session_id)).exists():
        raise Http404(gettext("调解会不存在"))
    form = MinutesForm(request.POST, request.FILES)
    if not form.is_valid():
        return _answer(
            request, dispute.pk, error=ValidationError([e for errs in form.errors.values() for e in errs])
        )
    try:
        services.record_minutes(actor=user, kinds=kinds, session_id=session_id, minutes=form.cleaned_data["minutes"],
                                shared=form.cleaned_data["shared"], files=form.cleaned_data["attachments"])  # fmt: skip
    except ValidationError as exc:
        return _answer(request, dispute.pk, error=exc)
    return _done(request, dispute, gettext("调解笔录已保存。"))


@login_required
@require_POST
def upload(request: HttpRequest, dispute_id: int) -> HttpResponse:
    user, dispute, kinds = _write(request, dispute_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _answer(request, dispute.pk, error=ValidationError(_("请选择文件")))
    try:
        services.add_evidence(
            actor=user, kinds=kinds, dispute_id=dispute.pk, files=form.cleaned_data["attachments"]
        )
    except ValidationError as exc:
        return _answer(request, dispute.pk, error=exc)
    return _done(request, dispute, gettext("材料已上传。"))


# --- Files and documents -----------------------------------------------------------------------------


@login_required
@require_GET
def dispute_file(request: HttpRequest, dispute_id: int, file_id: int) -> HttpResponseBase:
    user = staff_user(request)
    dispute = access.get_dispute_for_user(user, _id(dispute_id))
    stored = dispute.files.filter(pk=_id(file_id)).first()
    if stored is None:
        raise Http404(gettext("文件不存在"))
    return audited_file_response(request, stored.file, actor=user, action=AuditAction.MEDIATION_FILE_DOWNLOAD,
                                 obj=dispute, object_repr=dispute.number, detail={"file": stored.pk},
                                 content_type=stored.content_type, filename=f"{dispute.number}-{stored.pk}")  # fmt: skip


@login_required
@require_GET
def signed_scan(request: HttpRequest, dispute_id: int) -> HttpResponseBase:
    user = staff_user(request)
    dispute = access.get_dispute_for_user(user, _id(dispute_id))
    if not dispute.signed_scan:
        raise Http404(gettext("尚未上传签章协议"))
    content_type = "application/pdf" if dispute.signed_scan.name.endswith(".pdf") else "image/jpeg"
    return audited_file_response(request, dispute.signed_scan, actor=user, action=AuditAction.MEDIATION_FILE_DOWNLOAD,
                                 obj=dispute, object_repr=dispute.number, detail={"file": "signed_agreement"},
                                 content_type=content_type, filename=f"{dispute.number}-signed")  # fmt: skip


@login_required
@require_GET
def agreement_pdf(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = access.get_dispute_for_user(staff_user(request), _id(dispute_id))
    if not documents.has_written_agreement(dispute):
        raise Http404(documents.NOT_READY)
    return documents.pdf_response(documents.agreement_pdf(dispute), f"调解协议书-{dispute.number}.pdf")


@login_required
@require_GET
def confirmation_pdf(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = access.get_dispute_for_user(staff_user(request), _id(dispute_id))
    if not documents.has_written_agreement(dispute) or dispute.effective_at is None:
        raise Http404(gettext("调解协议尚未生效"))
    return documents.pdf_response(documents.confirmation_pdf(dispute), f"司法确认申请书-{dispute.number}.pdf")


# --- Statistics -------------------------------------------------------------------------------------

STATS_EXPORT_NAME = gettext_lazy("调解统计")


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponseBase:
    user = staff_user(request)
    if not access.can_see_statistics(user):
        raise PermissionDenied(gettext("您的角色不能查看调解统计"))
    committees = access.stats_committees(user).order_by("name")
    form = StatsFilterForm(request.GET, committees=committees)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    chosen = committees.filter(pk=data["committee"].pk) if data.get("committee") else committees
    f = figures(chosen, since=data.get("since"), until=data.get("until"))
    if request.GET.get("export") == "xlsx":
        title = caption(
            str(STATS_EXPORT_NAME),
            scope=data["committee"].name if data.get("committee") else access.stats_scope_label(user),
            period=period_label(data.get("since"), data.get("until")),
        )
        counts = (gettext("纠纷数（件）"), gettext("达成协议（件）"))
        response = xlsx_response(filename=str(STATS_EXPORT_NAME), sheets=[
            Sheet(gettext("总体"), (gettext("指标"), gettext("数值")), f.summary_rows_with_units(), caption=title),
            Sheet(gettext("按类型"), (gettext("纠纷类型"), *counts), f.by_kind, caption=title),
            Sheet(gettext("按来源"), (gettext("来源"), *counts), f.by_source, caption=title),
            Sheet(gettext("按调委会"), (gettext("调解委员会"), *counts), f.by_committee, caption=title),
            Sheet(gettext("按月份"), (gettext("月份"), *counts), f.by_month, caption=title),
            Sheet(gettext("按结果"), (gettext("结果"), counts[0]), f.by_result, caption=title),
        ])  # fmt: skip
        record(actor=user, action=AuditAction.MEDIATION_STATS_EXPORT, object_type="mediation.dispute",
               request=request, detail=form.audit_detail())  # fmt: skip
        return response
    peak = max([n for _m, n, _ok in f.by_month] or [1])
    return render(request, "mediation/stats.html", {"form": form, "f": f, "peak": peak})


def period_label(since: dt.date | None, until: dt.date | None) -> str:
    """The registration dates the statistics count, as the filter chose them."""
    if since and until:
        return gettext("登记日期 %(since)s 至 %(until)s") % {
            "since": since.isoformat(),
            "until": until.isoformat(),
        }
    if since:
        return gettext("登记日期 %(since)s 起") % {"since": since.isoformat()}
    if until:
        return gettext("登记日期截至 %(until)s") % {"until": until.isoformat()}
    return gettext("全部（登记日期不限）")


# --- Committees: roster and the register of ties ------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def committee(request: HttpRequest, committee_id: int) -> HttpResponse:
    """A committee's roster and register of ties, for its admins (who record ties for anyone on the
    roster) and its mediators (who record their own)."""
    from shanghui.mediation.forms import TieForm
    from shanghui.mediation.models import CommitteeMember, MemberRole, Tie

    user = staff_user(request)
    found = Committee.objects.filter(pk=_id(committee_id), members__user=user).distinct().first()
    if found is None:
        raise Http404(gettext("调解委员会不存在或您不是其成员"))
    is_admin = found.pk in access.administered_committee_ids(user)
    roster = access.roster(found) if is_admin else access.roster(found).filter(pk=user.pk)
    form = TieForm(request.POST or None, roster=roster)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.register_tie(actor=user, committee=found, mediator=data["mediator"], credit_code=data["credit_code"],
                                  enterprise_name=data["enterprise_name"], kind=data["kind"], note=data["note"])  # fmt: skip
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, gettext("利害关系已登记，指派时将自动检查。"))
            return redirect("mediation:committee", committee_id=found.pk)
    members = (
        CommitteeMember.objects.filter(committee=found).select_related("user").order_by("role", "user__name")
    )
    ties = (
        Tie.objects.filter(user__in=access.roster(found)).select_related("user").order_by("user__name", "pk")
    )
    if not is_admin:
        ties = ties.filter(user=user)
    context = {"committee": found, "members": members, "ties": ties, "form": form, "is_admin": is_admin,
               "admin_role": MemberRole.ADMIN}  # fmt: skip
    return render(request, "mediation/committee.html", context, status=422 if form.errors else 200)
