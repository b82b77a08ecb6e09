"""The ledger's staff pages (捐赠台账). Each view: login, access check (access.py), form, one service call,
response. Not visible → 404, visible but not allowed → 403, a status changed meanwhile → 409 page."""

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
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user as _user
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.donations import ledger, queries, reconcile, services
from shanghui.donations.access import (
    ADMIN,
    READER_ROLES,
    STAFF,
    actor_kinds,
    can_create_fund,
    funds_for_user,
    get_disbursement_for_user,
    get_fund_for_user,
    get_gift_for_user,
    get_pledge_for_user,
    require_ledger,
)
from shanghui.donations.forms import (
    DisbursementFilterForm,
    DisbursementForm,
    FundFilterForm,
    FundForm,
    GiftFilterForm,
    GiftForm,
    PayForm,
    PledgeForm,
    ReasonForm,
    ReceiptForm,
    StatementForm,
)
from shanghui.donations.models import Disbursement, Fund, Gift, Statement
from shanghui.donations.money import to_yuan
from shanghui.donations.workflow import DISBURSEMENT_MACHINE, FUND_MACHINE, GIFT_MACHINE, PLEDGE_MACHINE
from shanghui.lib.xlsx import Sheet, caption, xlsx_response
from shanghui.orgs.access import scope_label
from shanghui.ui.forms import attach_errors
from shanghui.ui.listing import Export, Listing
from shanghui.workflow.machine import Conflict, TransitionError


def _conflict(request: HttpRequest, exc: Conflict, back: str) -> HttpResponse:
    return render(request, "donations/conflict.html", {"message": exc.message, "back": back}, status=409)


# --- Funds ---------------------------------------------------------------------------------------------


FUND_EXPORT = Export(
    name="捐赠基金", action=AuditAction.DONATION_EXPORT, object_type="donations.fund",
    headers=("名称", "类别", "发起组织", "状态", "公开募捐", "合作慈善组织", "开始日期", "结束日期",
             "资金（元）", "物资价值（元）", "服务时长（小时）", "已拨付（元）", "余额（元）"),
)  # fmt: skip


@login_required
def fund_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_ledger(user)
    listing = Listing(request, FundFilterForm(request.GET, user=user))
    funds = listing.form.apply(funds_for_user(user)).select_related("organiser").order_by("-starts_on", "-pk")
    if listing.exporting:
        return listing.export(FUND_EXPORT, _fund_rows(funds))
    page = listing.page(funds)
    rows = list(page.object_list)
    totals = queries.totals_by_fund(f.pk for f in rows)
    context = listing.context(page, rows=[(f, totals[f.pk]) for f in rows], can_create=can_create_fund(user))
    return render(request, "donations/fund_list.html", context)


def _fund_rows(funds: Any) -> Iterator[list[Any]]:
    funds = list(funds[:20000])
    totals = queries.totals_by_fund(f.pk for f in funds)
    for f in funds:
        t = totals[f.pk]
        yield [
            f.name, f.get_category_display(), f.organiser.name, f.get_status_display(), _("是") if f.is_public else _("否"),
            f.partner_charity, f.starts_on, f.ends_on, to_yuan(t.money_fen), to_yuan(t.goods_fen), t.service_hours,
            to_yuan(t.disbursed_fen), to_yuan(t.balance_fen),
        ]  # fmt: skip


@login_required
def fund_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_ledger(user)
    if not can_create_fund(user):
        raise PermissionDenied(_("您的角色不能新建基金"))
    form = FundForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            fund = services.create_fund(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("基金已新建，开始募集后即可登记认捐和捐赠。"))
            return redirect("donations:fund", fund_id=fund.pk)
    return render(request, "donations/fund_form.html", {"form": form})


@login_required
def fund_detail(request: HttpRequest, fund_id: int) -> HttpResponse:
    user = _user(request)
    fund = get_fund_for_user(user, fund_id)
    kinds = actor_kinds(user, fund)
    totals = queries.totals_by_fund([fund.pk])[fund.pk]
    context = {
        "fund": fund,
        "totals": totals,
        "kinds": kinds,
        "can_record": STAFF in kinds and fund.status == Fund.Status.OPEN,
        "can_request": STAFF in kinds and fund.status != Fund.Status.DRAFT,
        "actions": FUND_MACHINE.allowed(fund, kinds),
        "entries": queries.entries_with_balance(fund, limit=100),
        "pledges": fund.pledges.select_related("donor").order_by("-created_at")[:50],
        "disbursements": fund.disbursements.select_related("village").order_by("-created_at")[:50],
        "statements": fund.statements.order_by("-created_at")[:10],
        "problems": ledger.verify_fund(fund),
        "events": [
            (e, FUND_MACHINE.event_label(e.action))
            for e in fund.events.select_related("actor").order_by("-created_at", "-pk")[:20]
        ],
    }
    return render(request, "donations/fund_detail.html", context)


@login_required
@require_POST
def fund_act(request: HttpRequest, fund_id: int, action: str) -> HttpResponse:
    user = _user(request)
    fund = get_fund_for_user(user, fund_id)
    try:
        services.act_on_fund(
            actor=user, fund=fund, action=action, expected_status=request.POST.get("expected_status")
        )
    except Conflict as exc:
        return _conflict(request, exc, fund_url(fund))
    except TransitionError as exc:
        if getattr(exc, "code", None) == "forbidden":
            raise PermissionDenied(exc.messages[0]) from exc
        messages.error(request, "；".join(exc.messages))
    return redirect("donations:fund", fund_id=fund.pk)


def fund_url(fund: Fund) -> str:
    return f"/donations/{fund.pk}/"


# --- Gifts ---------------------------------------------------------------------------------------------


@login_required
def gift_create(request: HttpRequest, fund_id: int) -> HttpResponse:
    user = _user(request)
    fund = get_fund_for_user(user, fund_id, write=True)
    pledge = None
    if raw := request.GET.get("pledge") or request.POST.get("pledge"):
        try:
            pledge = get_pledge_for_user(user, int(raw))
        except ValueError:
            pledge = None
        if pledge is not None and pledge.fund_id != fund.pk:
            pledge = None
    form = GiftForm(request.POST or None, pledge_donor=pledge.donor if pledge else None)
    if request.method == "POST" and form.is_valid():
        try:
            gift = services.record_gift(
                actor=user, fund=fund, donor=None if pledge else form.donor(), gift=form.gift(), pledge=pledge
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("捐赠已登记：%(number)s") % {"number": gift.number})
            return redirect("donations:gift", gift_id=gift.pk)
    return render(request, "donations/gift_form.html", {"form": form, "fund": fund, "pledge": pledge})


GIFT_EXPORT = Export(
    name="捐赠明细", action=AuditAction.DONATION_EXPORT, object_type="donations.gift",
    headers=("登记号", "基金", "捐赠人", "捐赠人类型", "形式", "金额（元）", "物资说明", "数量", "单位", "物资价值（元）",
             "价值依据", "服务时长（小时）", "渠道", "受赠单位", "票据开具单位", "票据号", "接收日期", "状态"),
)  # fmt: skip


@login_required
def gift_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_ledger(user)
    listing = Listing(request, GiftFilterForm(request.GET, user=user))
    gifts = (
        listing.form.apply(Gift.objects.filter(fund__in=funds_for_user(user)))
        .select_related("fund", "donor")
        .order_by("-received_on", "-pk")
    )
    if listing.exporting:
        return listing.export(GIFT_EXPORT, _gift_rows(gifts))
    page = listing.page(gifts)
    return render(request, "donations/gift_list.html", listing.context(page, rows=list(page.object_list)))


def _gift_rows(gifts: Any) -> Iterator[list[Any]]:
    for g in gifts.iterator(chunk_size=1000):
        yield [
            g.number, g.fund.name, g.donor.display_name, g.donor.get_kind_display(), g.get_kind_display(),
            to_yuan(g.amount_fen) if g.amount_fen else None, g.description, g.quantity, g.unit,
            to_yuan(g.value_fen) if g.value_fen else None, g.get_value_source_display(), g.hours,
            g.get_channel_display(), g.direct_recipient, g.receipt_issuer, g.receipt_number, g.received_on,
            g.get_status_display(),
        ]  # fmt: skip


@login_required
def gift_detail(request: HttpRequest, gift_id: int) -> HttpResponse:
    user = _user(request)
    gift = get_gift_for_user(user, gift_id)
    kinds = actor_kinds(user, gift.fund)
    form = ReasonForm(request.POST if request.POST.get("form") != "receipt" else None)
    receipt_form = ReceiptForm(request.POST if request.POST.get("form") == "receipt" else None)
    if request.method == "POST" and request.POST.get("form") == "receipt":
        if STAFF not in kinds:
            raise PermissionDenied(_("您没有登记票据的权限"))
        if receipt_form.is_valid():
            try:
                services.record_receipt(actor=user, gift=gift, **receipt_form.cleaned_data)
            except ValidationError as exc:
                attach_errors(receipt_form, exc)
            else:
                messages.success(request, _("捐赠票据已登记。"))
                return redirect("donations:gift", gift_id=gift.pk)
    elif request.method == "POST":
        if ADMIN not in kinds:
            raise PermissionDenied(_("只有基金管理员可以冲正捐赠"))
        if form.is_valid():
            try:
                services.reverse_gift(
                    actor=user, gift=gift, reason=form.cleaned_data["reason"],
                    expected_status=request.POST.get("expected_status") or gift.status,
                )  # fmt: skip
            except Conflict as exc:
                return _conflict(request, exc, f"/donations/gifts/{gift.pk}/")
            except TransitionError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("已冲正，冲正分录已记入台账。"))
                return redirect("donations:gift", gift_id=gift.pk)
    context = {
        "gift": gift,
        "form": form,
        "can_reverse": ADMIN in kinds and gift.status == Gift.Status.RECORDED,
        "can_acknowledge": STAFF in kinds and gift.acknowledgeable,
        "receipt_form": receipt_form,
        "can_receipt": STAFF in kinds and gift.status == Gift.Status.RECORDED and not gift.receipt_number,
        "entries": gift.entries.order_by("seq"),
        "events": [
            (e, GIFT_MACHINE.event_label(e.action))
            for e in gift.events.select_related("actor").order_by("created_at", "pk")
        ],
    }
    return render(request, "donations/gift_detail.html", context)


@login_required
def gift_acknowledgement(request: HttpRequest, gift_id: int) -> HttpResponse:
    from shanghui.donations.acknowledgement import acknowledgement_pdf

    user = _user(request)
    gift = get_gift_for_user(user, gift_id)
    if STAFF not in actor_kinds(user, gift.fund):
        raise PermissionDenied(_("您没有开具收款确认的权限"))
    try:
        services.acknowledge_gift(actor=user, gift=gift)
    except ValidationError as exc:
        raise PermissionDenied(exc.messages[0]) from exc
    return acknowledgement_pdf(gift)


# --- Pledges -------------------------------------------------------------------------------------------


@login_required
def pledge_create(request: HttpRequest, fund_id: int) -> HttpResponse:
    user = _user(request)
    fund = get_fund_for_user(user, fund_id, write=True)
    form = PledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pledge = services.create_pledge(
                actor=user, fund=fund, donor=form.donor(), amount=form.cleaned_data["amount"],
                instalments=form.instalments(), note=form.cleaned_data.get("note") or "",
            )  # fmt: skip
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("认捐已登记。"))
            return redirect("donations:pledge", pledge_id=pledge.pk)
    return render(request, "donations/pledge_form.html", {"form": form, "fund": fund})


@login_required
def pledge_detail(request: HttpRequest, pledge_id: int) -> HttpResponse:
    from shanghui.donations.workflow import fulfilled_fen

    user = _user(request)
    pledge = get_pledge_for_user(user, pledge_id)
    kinds = actor_kinds(user, pledge.fund)
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        if STAFF not in kinds:
            raise PermissionDenied(_("您没有取消认捐的权限"))
        if form.is_valid():
            try:
                services.cancel_pledge(
                    actor=user, pledge=pledge, reason=form.cleaned_data["reason"],
                    expected_status=request.POST.get("expected_status") or pledge.status,
                )  # fmt: skip
            except Conflict as exc:
                return _conflict(request, exc, f"/donations/pledges/{pledge.pk}/")
            messages.success(request, _("认捐已取消。"))
            return redirect("donations:pledge", pledge_id=pledge.pk)
    context = {
        "pledge": pledge, "form": form, "fulfilled_fen": fulfilled_fen(pledge),
        "instalments": pledge.instalments.all(), "gifts": pledge.gifts.order_by("received_on"),
        "can_cancel": "cancel" in [t.action for t in PLEDGE_MACHINE.allowed(pledge, kinds)],
        "can_record": STAFF in kinds and pledge.status == "open" and pledge.fund.status == Fund.Status.OPEN,
        "events": [(e, PLEDGE_MACHINE.event_label(e.action)) for e in pledge.events.order_by("created_at", "pk")],
    }  # fmt: skip
    return render(request, "donations/pledge_detail.html", context)


# --- Disbursements -------------------------------------------------------------------------------------


@login_required
def disbursement_create(request: HttpRequest, fund_id: int) -> HttpResponse:
    user = _user(request)
    fund = get_fund_for_user(user, fund_id, write=True)
    form = DisbursementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            d = services.request_disbursement(actor=user, fund=fund, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("拨付申请已提交，待基金管理员审批。"))
            return redirect("donations:disbursement", disbursement_id=d.pk)
    balance = ledger.balance_fen(fund)
    return render(
        request, "donations/disbursement_form.html", {"form": form, "fund": fund, "balance": balance}
    )


DISBURSEMENT_EXPORT = Export(
    name="拨付明细", action=AuditAction.DONATION_EXPORT, object_type="donations.disbursement",
    headers=("基金", "受助对象类型", "受助对象", "所在村", "用途", "金额（元）", "状态", "申请时间", "拨付日期", "凭证号"),
)  # fmt: skip


@login_required
def disbursement_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_ledger(user)
    listing = Listing(request, DisbursementFilterForm(request.GET, user=user))
    rows = (
        listing.form.apply(Disbursement.objects.filter(fund__in=funds_for_user(user)))
        .select_related("fund", "village")
        .order_by("-created_at", "-pk")
    )
    if listing.exporting:
        return listing.export(
            DISBURSEMENT_EXPORT,
            (
                [d.fund.name, d.get_recipient_kind_display(), d.recipient_name, d.village.name if d.village else "",
                 d.purpose, to_yuan(d.amount_fen), d.get_status_display(), timezone.localtime(d.created_at), d.paid_on, d.voucher]
                for d in rows.iterator(chunk_size=1000)
            ),
        )  # fmt: skip
    page = listing.page(rows)
    return render(
        request, "donations/disbursement_list.html", listing.context(page, rows=list(page.object_list))
    )


@login_required
def disbursement_detail(request: HttpRequest, disbursement_id: int) -> HttpResponse:
    user = _user(request)
    d = get_disbursement_for_user(user, disbursement_id)
    kinds = actor_kinds(user, d.fund)
    context = {
        "d": d,
        "actions": DISBURSEMENT_MACHINE.allowed(d, kinds),
        "balance": ledger.balance_fen(d.fund),
        "reason_form": ReasonForm(),
        "pay_form": PayForm(initial={"paid_on": timezone.localdate()}),
        "events": [
            (e, DISBURSEMENT_MACHINE.event_label(e.action))
            for e in d.events.select_related("actor").order_by("created_at", "pk")
        ],
    }
    return render(request, "donations/disbursement_detail.html", context)


@login_required
@require_POST
def disbursement_act(request: HttpRequest, disbursement_id: int, action: str) -> HttpResponse:
    user = _user(request)
    d = get_disbursement_for_user(user, disbursement_id)
    if not actor_kinds(user, d.fund):
        raise PermissionDenied(_("您只能查看该拨付"))
    pay = PayForm(request.POST) if action == "pay" else None
    if pay is not None and not pay.is_valid():
        messages.error(request, _("请填写正确的拨付日期"))
        return redirect("donations:disbursement", disbursement_id=d.pk)
    try:
        services.act_on_disbursement(
            actor=user, disbursement=d, action=action, expected_status=request.POST.get("expected_status"),
            reason=request.POST.get("reason", "")[:200],
            paid_on=pay.cleaned_data["paid_on"] if pay else None,
            voucher=pay.cleaned_data.get("voucher", "") if pay else "",
        )  # fmt: skip
    except Conflict as exc:
        return _conflict(request, exc, f"/donations/disbursements/{d.pk}/")
    except TransitionError as exc:
        if getattr(exc, "code", None) == "forbidden":
            raise PermissionDenied(exc.messages[0]) from exc
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已办理。"))
    return redirect("donations:disbursement", disbursement_id=d.pk)


# --- Reconciliation ------------------------------------------------------------------------------------


@login_required
def statement_create(request: HttpRequest, fund_id: int) -> HttpResponse:
    user = _user(request)
    fund = get_fund_for_user(user, fund_id, write=True)
    form = StatementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            statement = reconcile.import_statement(actor=user, fund=fund, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            return redirect("donations:statement", statement_id=statement.pk)
    return render(request, "donations/statement_form.html", {"form": form, "fund": fund})


@login_required
def statement_detail(request: HttpRequest, statement_id: int) -> HttpResponse:
    user = _user(request)
    statement = (
        Statement.objects.filter(pk=statement_id, fund__in=funds_for_user(user))
        .select_related("fund")
        .first()
    )
    if statement is None:
        from django.http import Http404

        raise Http404(_("银行流水不存在或无权查看"))
    result = reconcile.reconciliation(statement)
    return render(request, "donations/statement_detail.html", {"statement": statement, "r": result})


# --- Statistics ----------------------------------------------------------------------------------------


@login_required
def stats(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_ledger(user)
    s = queries.stats(funds_for_user(user), today=timezone.localdate())
    if request.GET.get("export") == "xlsx":
        record(
            actor=user,
            action=AuditAction.DONATION_STATS_EXPORT,
            object_type="donations.fund",
            request=request,
        )
        t = s.total
        # The page shows every fund's totals to date, and the months of the last year.
        title = caption(
            _("捐赠统计"),
            scope=scope_label(user, READER_ROLES),
            period=_("累计至%(date)s（按月份：近12个月）") % {"date": timezone.localdate().isoformat()},
        )
        return xlsx_response(
            filename=_("捐赠统计"),
            sheets=[
                Sheet(_("按类别"), (_("类别"), _("资金（元）"), _("物资价值（元）"), _("服务时长（小时）"), _("捐赠笔数（笔）"), _("已拨付（元）"), _("余额（元）")),
                      [[label, to_yuan(x.money_fen), to_yuan(x.goods_fen), x.service_hours, x.gifts, to_yuan(x.disbursed_fen), to_yuan(x.balance_fen)]
                       for label, x in s.by_category]
                      + [[_("合计"), to_yuan(t.money_fen), to_yuan(t.goods_fen), t.service_hours, t.gifts, to_yuan(t.disbursed_fen), to_yuan(t.balance_fen)]],
                      caption=title),
                Sheet(_("按渠道"), (_("渠道"), _("捐赠笔数（笔）"), _("资金及物资价值（元）")), [[a, b, to_yuan(c)] for a, b, c in s.by_channel], caption=title),
                Sheet(_("按月份"), (_("月份"), _("资金及物资价值（元）")), [[m, to_yuan(v)] for m, v in s.by_month], caption=title),
                Sheet(_("拨付去向"), (_("受助对象类型"), _("笔数（笔）"), _("金额（元）")), [[a, b, to_yuan(c)] for a, b, c in s.by_recipient], caption=title),
            ],
        )  # fmt: skip
    return render(request, "donations/stats.html", {"s": s})
