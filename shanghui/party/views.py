"""Party-building pages under /party/: the statistics, party organisations, the 三同时 register,
re-elections and candidates, the work register; and the candidate's self-check on their phone.
Each view: access check (party/access.py), form, one service call, response."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shanghui.accounts import citizen
from shanghui.accounts.access import staff_user as _user
from shanghui.audit.actions import AuditAction
from shanghui.lib.masking import mask_mobile
from shanghui.lib.workdays import local_date
from shanghui.party import register, services, stats
from shanghui.party.access import (
    can_write_chamber,
    candidates_for_user,
    chambers_for_user,
    deeds_for_user,
    elections_for_user,
    federation_covers,
    get_candidate_for_user,
    get_election_for_user,
    get_party_org_for_user,
    party_orgs_for_user,
    require_use,
)
from shanghui.party.forms import (
    CandidateFilterForm,
    CandidateForm,
    DeedFilterForm,
    DeedForm,
    ElectionFilterForm,
    ElectionForm,
    FiveStepForm,
    PartyOrgFilterForm,
    PartyOrgForm,
    ProfileForm,
    RegisterFilterForm,
    SelfCheckForm,
)
from shanghui.party.models import Candidate, ChamberProfile
from shanghui.party.workflow import CANDIDATE_OWNER, MACHINE
from shanghui.publicity.models import Notice
from shanghui.reviews.models import Chain
from shanghui.ui.forms import attach_errors
from shanghui.ui.listing import Export, Listing
from shanghui.workflow.machine import Conflict, TransitionError

PARTY_ORG_EXPORT = Export(
    name="党组织", headers=("名称", "类型", "所属商会", "书记", "党员人数", "成立日期", "任期届满", "挂牌", "年度经费（元）", "阵地"),
    action=AuditAction.PARTY_EXPORT, object_type="party.partyorganisation",
)  # fmt: skip
REGISTER_EXPORT = Export(
    name="三同时登记", headers=("商会", "同时组建", "同时考察", "同时换届", "结论", "问题", "任期届满", "提醒"),
    action=AuditAction.PARTY_EXPORT, object_type="party.register",
)  # fmt: skip
ELECTION_EXPORT = Export(
    name="商会换届", headers=("商会", "换届名称", "计划日期", "商会换届日期", "党组织换届日期", "候选人数", "确定人选数"),
    action=AuditAction.PARTY_EXPORT, object_type="party.election",
)  # fmt: skip
CANDIDATE_EXPORT = Export(
    name="候选人", headers=("姓名", "商会", "换届", "拟任职务", "状态", "已连任届数", "所在企业及职务"),
    action=AuditAction.PARTY_EXPORT, object_type="party.candidate",
)  # fmt: skip
DEED_EXPORT = Export(
    name="党建工作台账", headers=("日期", "商会", "类型", "事项", "金额（元）", "参与人数"),
    action=AuditAction.PARTY_EXPORT, object_type="party.deed",
)  # fmt: skip


def _today() -> dt.date:
    return local_date(timezone.now())


# --- Statistics ---------------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_use(user)
    year = stats.year_of(request.GET.get("year"))
    figures = stats.figures(user, year, _today())
    if request.GET.get("export") == "xlsx":
        return stats.export(request, figures, year, user=user)
    return render(request, "party/index.html", {"f": figures, "year": year, "years": stats.YEARS})


# --- Party organisations -----------------------------------------------------------------------------


@login_required
def org_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_use(user)
    listing = Listing(request, PartyOrgFilterForm(request.GET, user=user))
    rows = listing.form.apply(party_orgs_for_user(user)).prefetch_related("chambers").order_by("name")
    if listing.exporting:
        return listing.export(PARTY_ORG_EXPORT, (
            [o.name, o.get_kind_display(), "、".join(c.name for c in o.chambers.all()), o.secretary_name, o.member_count,
             o.founded_on, o.term_ends_on or "", gettext("是") if o.has_plaque else gettext("否"), o.annual_funds, o.venue]  # fmt: skip
            for o in rows
        ))  # fmt: skip
    page = listing.page(rows)
    can_create = chambers_for_user(user).exists() and any(
        can_write_chamber(user, c) for c in chambers_for_user(user)[:50]
    )
    return render(request, "party/org_list.html", listing.context(page, can_create=can_create))


@login_required
def org_edit(request: HttpRequest, org_id: int | None = None) -> HttpResponseBase:
    user = _user(request)
    require_use(user)
    org = get_party_org_for_user(user, org_id, write=True) if org_id else None
    initial = {}
    if org is not None:
        initial = {f: getattr(org, f) for f in PartyOrgForm.base_fields if f != "chambers"}
        initial["chambers"] = list(org.chambers.all())
    form = PartyOrgForm(request.POST or None, initial=initial, user=user)
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            chambers = list(data.pop("chambers"))
            try:
                org = services.save_party_org(actor=user, chambers=chambers, org=org, **data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, gettext("已保存党组织"))
                return redirect("party:orgs")
        return render(
            request,
            "party/form.html",
            {"form": form, "title": gettext("党组织"), "back": reverse("party:orgs")},
            status=422,
        )
    return render(
        request, "party/form.html", {"form": form, "title": gettext("党组织"), "back": reverse("party:orgs")}
    )


# --- The 三同时 register -------------------------------------------------------------------------------


@login_required
def register_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_use(user)
    listing = Listing(request, RegisterFilterForm(request.GET))
    listing.form.is_valid()
    data = getattr(listing.form, "cleaned_data", {})
    chambers = chambers_for_user(user).order_by("name")
    if q := (data.get("q") or "").strip():
        chambers = chambers.filter(name__icontains=q)
    rows = register.build(chambers, _today())
    if data.get("status"):
        rows = [r for r in rows if r.status == data["status"]]
    if data.get("warning"):
        rows = [r for r in rows if r.warning]
    if listing.exporting:
        return listing.export(REGISTER_EXPORT, (
            [r.chamber.name, r.label("founded"), r.label("vetted"), r.label("reelected"), r.status_label,
             "；".join(r.problems), r.term_ends_on or "", r.warning]  # fmt: skip
            for r in rows
        ))  # fmt: skip
    from django.core.paginator import Paginator

    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    counts = {key: sum(1 for r in rows if r.status == key) for key in register.LABELS}
    return render(
        request, "party/register.html", listing.context(page, counts=counts, labels=register.LABELS)
    )


@login_required
def chamber_profile(request: HttpRequest, chamber_id: int) -> HttpResponseBase:
    user = _user(request)
    require_use(user)
    chamber = chambers_for_user(user).filter(pk=chamber_id).first()
    if chamber is None:
        from django.http import Http404

        raise Http404(gettext("商会不存在或无权查看"))
    if not can_write_chamber(user, chamber):
        raise PermissionDenied(gettext("您不能修改该商会的党建档案"))
    profile = ChamberProfile.objects.filter(chamber=chamber).first()
    initial = {f: getattr(profile, f) for f in ProfileForm.base_fields} if profile else {}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            services.save_profile(actor=user, chamber=chamber, **form.cleaned_data)
            messages.success(request, gettext("已保存商会党建档案"))
            return redirect("party:register")
        return render(
            request,
            "party/form.html",
            {
                "form": form,
                "title": gettext("%(chamber)s 党建档案") % {"chamber": chamber.name},
                "back": reverse("party:register"),
            },
            status=422,
        )
    return render(
        request,
        "party/form.html",
        {
            "form": form,
            "title": gettext("%(chamber)s 党建档案") % {"chamber": chamber.name},
            "back": reverse("party:register"),
        },
    )


# --- Re-elections and candidates ------------------------------------------------------------------------


@login_required
def election_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_use(user)
    listing = Listing(request, ElectionFilterForm(request.GET, user=user))
    rows = (
        listing.form.apply(elections_for_user(user)).select_related("chamber").order_by("-planned_on", "pk")
    )
    if listing.exporting:
        return listing.export(ELECTION_EXPORT, (
            [e.chamber.name, e.name, e.planned_on, e.chamber_held_on or "", e.party_held_on or "",
             e.candidates.count(), e.candidates.filter(status="final").count()]  # fmt: skip
            for e in rows
        ))  # fmt: skip
    page = listing.page(rows)
    return render(request, "party/election_list.html", listing.context(page))


@login_required
def election_edit(request: HttpRequest, election_id: int | None = None) -> HttpResponseBase:
    user = _user(request)
    require_use(user)
    election = get_election_for_user(user, election_id, write=True) if election_id else None
    initial: dict[str, Any] = {f: getattr(election, f) for f in ElectionForm.base_fields} if election else {}
    form = ElectionForm(request.POST or None, initial=initial, user=user)
    context = {"form": form, "title": gettext("商会换届"), "back": reverse("party:elections")}
    if request.method == "POST":
        if form.is_valid():
            try:
                election = services.save_election(actor=user, election=election, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return redirect("party:election", election.pk)
        return render(request, "party/form.html", context, status=422)
    return render(request, "party/form.html", context)


@login_required
def election_detail(request: HttpRequest, election_id: int) -> HttpResponseBase:
    user = _user(request)
    election = get_election_for_user(user, election_id)
    listing = Listing(request, CandidateFilterForm(request.GET))
    candidates = listing.form.apply(election.candidates.all()).order_by("position", "pk")
    if listing.exporting:
        return listing.export(CANDIDATE_EXPORT, _candidate_rows(candidates))
    writable = can_write_chamber(user, election.chamber)
    form = CandidateForm(request.POST or None) if writable else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(gettext("您不能修改该换届"))
        if form.is_valid():
            try:
                services.add_candidate(actor=user, election=election, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, gettext("已登记候选人"))
                return redirect("party:election", election.pk)
        status = 422
    notice = Notice.objects.filter(pk=election.notice_id).first() if election.notice_id else None
    page = listing.page(candidates)
    return render(request, "party/election_detail.html", listing.context(
        page, election=election, candidate_form=form, writable=writable, notice=notice,
        can_publish=federation_covers(user, election.chamber) and election.candidates.filter(status="approved").exists(),
    ), status=status)  # fmt: skip


def _candidate_rows(rows: Any) -> Any:
    for c in rows.select_related("election__chamber"):
        yield [c.name, c.election.chamber.name, c.election.name, c.get_position_display(), c.get_status_display(),
               c.terms_served, c.enterprise]  # fmt: skip


@login_required
@require_POST
def election_publish(request: HttpRequest, election_id: int) -> HttpResponseBase:
    user = _user(request)
    election = get_election_for_user(user, election_id)
    try:
        notice = services.publish_list(actor=user, election=election)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("party:election", election.pk)
    messages.success(request, gettext("候选人名单已公示"))
    return redirect("publicity:manage", notice.pk)


@login_required
def candidate_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_use(user)
    listing = Listing(request, CandidateFilterForm(request.GET))
    rows = (
        listing.form.apply(candidates_for_user(user))
        .select_related("election__chamber")
        .order_by("-created_at", "-pk")
    )
    if listing.exporting:
        return listing.export(CANDIDATE_EXPORT, _candidate_rows(rows))
    return render(request, "party/candidate_list.html", listing.context(listing.page(rows)))


@login_required
def candidate_detail(request: HttpRequest, candidate_id: int) -> HttpResponseBase:
    return _candidate_page(request, get_candidate_for_user(_user(request), candidate_id))


def _candidate_page(request: HttpRequest, candidate: Candidate, status: int = 200) -> HttpResponse:
    user = _user(request)
    chain = Chain.objects.filter(owner_type=CANDIDATE_OWNER, owner_id=candidate.pk).order_by("-pk").first()
    writable = can_write_chamber(user, candidate.election.chamber)
    events = [(e, MACHINE.event_label(e.action)) for e in candidate.events.select_related("actor")]
    self_check_url = request.build_absolute_uri(reverse("party:self_check", args=[candidate.pk]))
    return render(request, "party/candidate_detail.html", {
        "candidate": candidate, "chain": chain, "writable": writable, "events": events,
        "mobile": mask_mobile(candidate.mobile), "self_check_url": self_check_url,
        "documents": list(candidate.documents.all()),
    }, status=status)  # fmt: skip


@login_required
@require_POST
def candidate_act(request: HttpRequest, candidate_id: int, action: str) -> HttpResponseBase:
    user = _user(request)
    candidate = get_candidate_for_user(user, candidate_id, write=True)
    try:
        if action == "start":
            services.start_vetting(
                actor=user, candidate=candidate, expected_status=request.POST.get("expected_status")
            )
            messages.success(request, gettext("已发起五步审查，请将自查链接发给候选人"))
        elif action == "withdraw":
            services.withdraw(
                actor=user,
                candidate=candidate,
                reason=request.POST.get("reason", "").strip() or gettext("商会撤回提名"),
            )
            messages.success(request, gettext("已撤回"))
        else:
            raise PermissionDenied(gettext("未知的操作"))
    except Conflict as exc:
        messages.error(request, exc.message)
        return render(
            request,
            "party/conflict.html",
            {"message": exc.message, "back": reverse("party:candidate", args=[candidate.pk])},
            status=409,
        )
    except (ValidationError, TransitionError) as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("party:candidate", candidate.pk)


@login_required
def candidate_edit(request: HttpRequest, candidate_id: int) -> HttpResponseBase:
    user = _user(request)
    candidate = get_candidate_for_user(user, candidate_id, write=True)
    initial = {f: getattr(candidate, f) for f in CandidateForm.base_fields}
    form = CandidateForm(request.POST or None, initial=initial)
    context = {"form": form, "title": f"修改候选人 {candidate.name}", "back": reverse("party:candidate", args=[candidate.pk]),
               "hint": gettext("审查期间修改候选人信息，支部初审及之后的步骤将重新审查。")}  # fmt: skip
    if request.method == "POST":
        if form.is_valid():
            changed = {k: v for k, v in form.cleaned_data.items() if getattr(candidate, k) != v}
            try:
                if changed:
                    services.update_candidate(actor=user, candidate=candidate, **changed)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return redirect("party:candidate", candidate.pk)
        return render(request, "party/form.html", context, status=422)
    return render(request, "party/form.html", context)


@login_required
@require_POST
def document_upload(request: HttpRequest, candidate_id: int) -> HttpResponseBase:
    user = _user(request)
    candidate = get_candidate_for_user(user, candidate_id, write=True)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, gettext("请选择文件"))
        return redirect("party:candidate", candidate.pk)
    try:
        services.add_document(actor=user, candidate=candidate, upload=upload)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return _candidate_page(request, candidate, status=422)
    messages.success(request, gettext("已上传材料"))
    return redirect("party:candidate", candidate.pk)


def _reviewer_reads(user: Any, candidate: Candidate) -> bool:
    """A reviewer of the candidate's chain (a department) opens the file's documents too."""
    from shanghui.reviews.access import can_read

    chain = Chain.objects.filter(owner_type=CANDIDATE_OWNER, owner_id=candidate.pk).order_by("-pk").first()
    return chain is not None and can_read(user, chain)


@login_required
def document_file(request: HttpRequest, candidate_id: int, document_id: int) -> HttpResponseBase:
    from django.http import Http404

    from shanghui.audit.downloads import audited_file_response

    user = _user(request)
    candidate = Candidate.objects.filter(pk=candidate_id).select_related("election__chamber").first()
    if candidate is None or not (
        candidates_for_user(user).filter(pk=candidate_id).exists() or _reviewer_reads(user, candidate)
    ):
        raise Http404(gettext("候选人不存在或无权查看"))
    document = candidate.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404(gettext("材料不存在"))
    return audited_file_response(
        request, document.file, actor=user, action=AuditAction.PARTY_DOCUMENT_DOWNLOAD, obj=candidate,
        object_repr=str(candidate), detail={"document": document.pk}, content_type=document.content_type,
        filename=document.name, as_attachment=True,
    )  # fmt: skip


# --- The candidate's self-check, on their phone -------------------------------------------------------


@never_cache
def self_check(request: HttpRequest, candidate_id: int) -> HttpResponseBase:
    """Public path: the candidate proves their mobile (the citizens' one-time code) and signs the
    self-check. Anyone else — a wrong number, an unknown id — sees the same 404."""
    mobile = citizen.verified_mobile(request)
    if not mobile:
        return HttpResponseRedirect(reverse("citizen:login") + "?" + urlencode({"next": request.path}))
    candidate = Candidate.objects.select_related("election__chamber").filter(pk=candidate_id).first()
    if candidate is None or candidate.mobile != mobile:
        from django.http import Http404

        raise Http404(gettext("没有需要您填写的自查表"))
    initial = candidate.self_check or {}
    form = SelfCheckForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.submit_self_check(candidate=candidate, mobile=mobile, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return render(request, "party/self_check_done.html", {"candidate": candidate})
        status = 422
    open_ = candidate.status == Candidate.Status.VETTING
    return render(
        request, "party/self_check.html", {"candidate": candidate, "form": form, "open": open_}, status=status
    )


# --- The 五步审查 settings --------------------------------------------------------------------------------


@login_required
def five_step(request: HttpRequest) -> HttpResponseBase:
    """Federation admins set the departments of 部门联审 and each step's time limit."""
    from shanghui.orgs.access import scope_for
    from shanghui.orgs.models import Organisation, OrgKind, Role
    from shanghui.party.rubrics import ensure_five_step
    from shanghui.reviews.services import save_template

    user = _user(request)
    require_use(user)
    scope = scope_for(user)
    if not scope.has_role(Role.FEDERATION_ADMIN):
        raise PermissionDenied(gettext("只有工商联管理员可以设置五步审查"))
    template = ensure_five_step(actor=user)
    steps = list(template.steps)
    joint = next((s for s in steps if s["kind"] == "parallel"), None)
    departments = Organisation.objects.filter(
        scope.subtree_q(roles=[Role.FEDERATION_ADMIN]), kind=OrgKind.DEPARTMENT, is_active=True
    ).order_by("path")
    initial = {"departments": list(Organisation.objects.filter(pk__in=joint["departments"] if joint else []))}
    form = FiveStepForm(request.POST or None, initial=initial, steps=steps, departments=departments)
    if request.method == "POST":
        if form.is_valid():
            for i, step in enumerate(steps):
                step["days"] = form.cleaned_data[f"days_{i}"]
                if step["kind"] == "parallel":
                    step["departments"] = [d.pk for d in form.cleaned_data["departments"]]
            try:
                save_template(code=template.code, name=template.name, steps=steps, actor=user)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, gettext("已保存五步审查设置；进行中的审查不受影响"))
                return redirect("party:five_step")
        return render(
            request,
            "party/form.html",
            {"form": form, "title": gettext("五步审查设置"), "back": reverse("party:elections")},
            status=422,
        )
    return render(request, "party/form.html", {"form": form, "title": gettext("五步审查设置"), "back": reverse("party:elections"),
                                               "hint": gettext("候选人自荐自查 → 支部初审 → 商会负责人审核 → 党委复审 → 部门联审（各部门并行：无异议 / 有异议 / 需补充）")})  # fmt: skip


# --- The work register ---------------------------------------------------------------------------------


@login_required
def deed_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_use(user)
    listing = Listing(request, DeedFilterForm(request.GET, user=user))
    rows = listing.form.apply(deeds_for_user(user)).select_related("chamber").order_by("-happened_on", "-pk")
    if listing.exporting:
        return listing.export(DEED_EXPORT, (
            [d.happened_on, d.chamber.name, d.get_kind_display(), d.title, d.amount if d.amount is not None else "", d.people or ""]
            for d in rows.iterator()
        ))  # fmt: skip
    form = DeedForm(request.POST or None, user=user, initial={"happened_on": _today()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.record_deed(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, gettext("已登记"))
                return redirect("party:deeds")
        status = 422
    return render(
        request, "party/deed_list.html", listing.context(listing.page(rows), deed_form=form), status=status
    )
