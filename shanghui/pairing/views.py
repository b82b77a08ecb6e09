"""Pairing pages (结对帮扶): the list by province and county, a pair with its projects and outcomes, the
figures. Donations and investment are shown side by side, never added."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shanghui.accounts.access import staff_user as _user
from shanghui.audit.actions import AuditAction
from shanghui.audit.downloads import audited_file_response
from shanghui.audit.services import record
from shanghui.donations.access import READER_ROLES
from shanghui.donations.money import to_yuan
from shanghui.donations.queries import totals_by_fund
from shanghui.lib.xlsx import Sheet, caption, xlsx_response
from shanghui.orgs.access import scope_label
from shanghui.pairing import queries, services
from shanghui.pairing.access import (
    can_write_pair,
    get_pair_for_user,
    pairs_for_user,
    partner_choices,
    require_pairing,
)
from shanghui.pairing.forms import EndForm, OutcomeForm, PairFilterForm, PairForm, ProjectForm
from shanghui.pairing.models import Pair
from shanghui.pairing.workflow import PAIR_MACHINE
from shanghui.ui.forms import attach_errors
from shanghui.ui.listing import Export, Listing
from shanghui.workflow.machine import Conflict

PAIR_EXPORT = Export(
    name="结对帮扶", action=AuditAction.PAIRING_EXPORT, object_type="pairing.pair",
    headers=("帮扶企业/商会", "结对村", "省份", "县（市、区）", "帮扶行动", "开始日期", "状态", "项目数",
             "捐赠（元，经捐赠台账）", "投资（元，商业投资）", "村集体增收（元）", "带动就业（人）", "培训（人次）"),
)  # fmt: skip


def _pairs(user: Any) -> Any:
    return pairs_for_user(user).select_related("partner", "village", "village__village_profile")


@login_required
def pair_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_pairing(user)
    listing = Listing(request, PairFilterForm(request.GET, user=user))
    pairs = listing.form.apply(_pairs(user)).order_by(
        "village__village_profile__province", "village__village_profile__county", "village__name", "pk"
    )
    if listing.exporting:
        return listing.export(PAIR_EXPORT, _export_rows(pairs))
    page = listing.page(pairs)
    rows = list(page.object_list)
    figures = queries.figures_by_pair(p.pk for p in rows)
    context = listing.context(
        page, rows=[(p, figures[p.pk]) for p in rows], can_create=partner_choices(user).exists()
    )
    return render(request, "pairing/pair_list.html", context)


def _export_rows(pairs: Any) -> Iterator[list[Any]]:
    pairs = list(pairs[:20000])
    figures = queries.figures_by_pair(p.pk for p in pairs)
    for p in pairs:
        f = figures[p.pk]
        profile = getattr(p.village, "village_profile", None)
        yield [
            p.partner.name, p.village.name, profile.province if profile else "", profile.county if profile else "",
            p.programme, p.starts_on, p.get_status_display(), f.projects, to_yuan(f.donated_fen), to_yuan(f.invested_fen),
            to_yuan(f.income_fen), f.jobs, f.trained,
        ]  # fmt: skip


@login_required
def pair_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_pairing(user)
    if not partner_choices(user).exists():
        raise PermissionDenied(_("您的角色不能新建结对"))
    form = PairForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            pair = services.create_pair(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("结对已登记。"))
            return redirect("pairing:detail", pair_id=pair.pk)
    return render(request, "pairing/pair_form.html", {"form": form})


@login_required
def pair_detail(request: HttpRequest, pair_id: int) -> HttpResponse:
    user = _user(request)
    pair = get_pair_for_user(user, pair_id)
    can_write = can_write_pair(user, pair)
    project_form = ProjectForm(None, user=user, initial={"started_on": timezone.localdate()})
    outcome_form = OutcomeForm(initial={"year": timezone.localdate().year})
    end_form = EndForm(initial={"ends_on": timezone.localdate()})
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(_("您只能查看该结对"))
        if request.POST.get("form") == "end":
            end_form = EndForm(request.POST)
            if end_form.is_valid():
                try:
                    services.end_pair(
                        actor=user, pair=pair, ends_on=end_form.cleaned_data["ends_on"],
                        expected_status=request.POST.get("expected_status"),
                    )  # fmt: skip
                except Conflict as exc:
                    messages.error(request, exc.message)
                except ValidationError as exc:
                    messages.error(request, "；".join(exc.messages))
                else:
                    messages.success(request, _("结对已结束。"))
                return redirect("pairing:detail", pair_id=pair.pk)
        elif request.POST.get("form") == "project":
            project_form = ProjectForm(request.POST, user=user)
            if project_form.is_valid():
                try:
                    services.add_project(actor=user, pair=pair, **project_form.cleaned_data)
                except ValidationError as exc:
                    attach_errors(project_form, exc)
                else:
                    messages.success(request, _("项目已添加。"))
                    return redirect("pairing:detail", pair_id=pair.pk)
        else:
            outcome_form = OutcomeForm(request.POST)
            if outcome_form.is_valid():
                try:
                    services.record_outcome(actor=user, pair=pair, **outcome_form.cleaned_data)
                except ValidationError as exc:
                    attach_errors(outcome_form, exc)
                else:
                    messages.success(request, _("成效已登记。"))
                    return redirect("pairing:detail", pair_id=pair.pk)
    projects = list(pair.projects.select_related("fund"))
    fund_totals = totals_by_fund({p.fund_id for p in projects if p.fund_id})
    context = {
        "pair": pair, "can_write": can_write, "figures": queries.figures_by_pair([pair.pk])[pair.pk],
        "projects": [(p, fund_totals.get(p.fund_id) if p.fund_id else None) for p in projects],
        "outcomes": pair.outcomes.all(), "project_form": project_form, "outcome_form": outcome_form,
        "end_form": end_form, "can_end": can_write and pair.status == Pair.Status.ACTIVE,
        "events": [(e, PAIR_MACHINE.event_label(e.action)) for e in pair.events.select_related("actor").order_by("created_at", "pk")],
    }  # fmt: skip
    return render(request, "pairing/pair_detail.html", context)


@login_required
def agreement(request: HttpRequest, pair_id: int) -> HttpResponseBase:
    user = _user(request)
    pair = get_pair_for_user(user, pair_id)
    if not pair.agreement:
        from django.http import Http404

        raise Http404(_("没有上传帮扶协议"))
    return audited_file_response(
        request, pair.agreement, actor=user, action=AuditAction.PAIRING_AGREEMENT_DOWNLOAD, obj=pair,
        object_repr=f"结对 {pair.pk}", detail={"pair": pair.pk},
        content_type="application/pdf" if pair.agreement.name.endswith(".pdf") else "application/octet-stream",
        filename=f"帮扶协议-{pair.pk}.pdf",
    )  # fmt: skip


@login_required
def stats(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_pairing(user)
    rows, total = queries.by_place(pairs_for_user(user))
    if request.GET.get("export") == "xlsx":
        record(actor=user, action=AuditAction.PAIRING_EXPORT, object_type="pairing.stats", request=request)
        headers = (_("省份"), _("县（市、区）"), _("结对数（对）"), _("结对村（个）"), _("帮扶企业/商会（家）"), _("项目数（个）"),
                   _("捐赠（元，经捐赠台账）"), _("投资（元，商业投资）"), _("村集体增收（元）"), _("带动就业（人）"), _("培训（人次）"))  # fmt: skip
        # The page counts every pair and its figures to date.
        title = caption(_("结对帮扶统计"), scope=scope_label(user, READER_ROLES),
                        period=_("累计至%(date)s") % {"date": timezone.localdate().isoformat()})  # fmt: skip
        return xlsx_response(
            filename=_("结对帮扶统计"),
            sheets=[Sheet(_("按省县"), headers, [_place_row(r) for r in [*rows, total]], caption=title)],
        )
    return render(request, "pairing/stats.html", {"rows": rows, "total": total})


def _place_row(r: queries.PlaceRow) -> list[Any]:
    f = r.figures or queries.PairFigures()
    return [r.province, r.county, r.pairs, r.villages, r.partners, f.projects, to_yuan(f.donated_fen),
            to_yuan(f.invested_fen), to_yuan(f.income_fen), f.jobs, f.trained]  # fmt: skip
