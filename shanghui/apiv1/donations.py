"""/api/v1/donations/ and /api/v1/pairing/: the donations ledger and pairing, as their pages show them,
with the same access (shanghui/donations/access.py, shanghui/pairing/access.py) and the same services.

Money is never a JSON number: amounts go in and out as strings of yuan with at most two decimals
("1234.50"), and out also as integer fen (`*_fen`). A refused action changes nothing: 403 when the
caller may not take it, 409 when the record's status no longer allows it (with the current status),
422 with field messages for bad input (an overdraft included).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as WithStatus
from pydantic import ConfigDict

from shanghui.apiv1.auth import user_of
from shanghui.apiv1.cursor import PageParams, keyset_page, page_of
from shanghui.apiv1.errors import ApiError, with_errors
from shanghui.donations import ledger, queries, services
from shanghui.donations.access import (
    actor_kinds,
    funds_for_user,
    get_disbursement_for_user,
    get_fund_for_user,
    get_gift_for_user,
    get_pledge_for_user,
    organiser_choices,
    require_ledger,
)
from shanghui.donations.models import Category, Disbursement, Donor, Entry, Fund, Gift, Pledge
from shanghui.donations.money import to_yuan
from shanghui.donations.services import DonorInput, GiftInput
from shanghui.donations.workflow import DISBURSEMENT_MACHINE, FUND_MACHINE
from shanghui.lib.bounds import Day, Int
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.pairing import queries as pairing_queries
from shanghui.pairing import services as pairing_services
from shanghui.pairing.access import get_pair_for_user, pairs_for_user, require_pairing
from shanghui.pairing.models import Pair

router = Router(tags=["捐赠台账与结对帮扶"])

YUAN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else f"{to_yuan(fen):.2f}"


def _money(text: str | None) -> Decimal | None:
    return Decimal(text) if text else None


class Allowed(Schema):
    action: str
    label: str


# --- Funds ---------------------------------------------------------------------------------------------


class TotalsOut(Schema):
    money: str = Field(description="资金捐赠（元）")
    goods: str = Field(description="物资价值（元，有估价依据的）")
    service_hours: str = Field(description="服务时长（小时，不折算金额）")
    gifts: int
    disbursed: str = Field(description="已批准和已拨付（元）")
    balance: str = Field(description="可拨付余额（元）＝台账分录之和")
    balance_fen: int
    pledged: str


class FundOut(Schema):
    id: int
    name: str
    purpose: str
    category: Category
    status: Fund.Status
    status_label: str
    organiser: int
    organiser_name: str
    starts_on: dt.date
    ends_on: dt.date | None
    is_public: bool
    partner_charity: str
    partner_registration: str
    totals: TotalsOut
    allowed_actions: list[Allowed]


class FundPage(Schema):
    items: list[FundOut]
    next_cursor: str | None


def _totals(t: queries.Totals) -> dict[str, Any]:
    return {
        "money": _yuan(t.money_fen), "goods": _yuan(t.goods_fen), "service_hours": str(t.service_hours),
        "gifts": t.gifts, "disbursed": _yuan(t.disbursed_fen), "balance": _yuan(t.balance_fen),
        "balance_fen": t.balance_fen, "pledged": _yuan(t.pledged_fen),
    }  # fmt: skip


def _fund_json(fund: Fund, totals: queries.Totals, kinds: set[str]) -> dict[str, Any]:
    return {
        "id": fund.pk, "name": fund.name, "purpose": fund.purpose, "category": fund.category,
        "status": fund.status, "status_label": str(fund.get_status_display()), "organiser": fund.organiser_id,
        "organiser_name": fund.organiser.name, "starts_on": fund.starts_on, "ends_on": fund.ends_on,
        "is_public": fund.is_public, "partner_charity": fund.partner_charity,
        "partner_registration": fund.partner_registration, "totals": _totals(totals),
        "allowed_actions": [{"action": t.action, "label": t.label} for t in FUND_MACHINE.allowed(fund, kinds)],
    }  # fmt: skip


class FundFilters(PageParams):
    q: str = Field("", max_length=100, description="名称、发起组织或合作慈善组织包含")
    category: Category | None = None
    status: Fund.Status | None = None


@router.get("/donations/funds", response=with_errors({200: FundPage}), summary="基金与募捐活动列表")
def list_funds(request: HttpRequest, filters: Query[FundFilters]) -> dict[str, Any]:
    user = user_of(request)
    require_ledger(user)
    funds = funds_for_user(user).select_related("organiser")
    if q := filters.q.strip():
        funds = funds.filter(
            Q(name__icontains=q) | Q(organiser__name__icontains=q) | Q(partner_charity__icontains=q)
        )
    if filters.category:
        funds = funds.filter(category=filters.category)
    if filters.status:
        funds = funds.filter(status=filters.status)
    rows, cursor = keyset_page(funds, filters, keys=[("id", int)], descending=True)
    totals = queries.totals_by_fund(f.pk for f in rows)
    return page_of(rows, cursor, lambda f: _fund_json(f, totals[f.pk], actor_kinds(user, f)))


@router.get(
    "/donations/funds/{fund_id}", response=with_errors({200: FundOut}), summary="基金详情（含合计与余额）"
)
def get_fund(request: HttpRequest, fund_id: Int) -> dict[str, Any]:
    user = user_of(request)
    fund = get_fund_for_user(user, fund_id)
    return _fund_json(fund, queries.totals_by_fund([fund.pk])[fund.pk], actor_kinds(user, fund))


class FundIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organiser: Int = Field(description="发起组织（工商联或商会）id")
    name: str = Field(max_length=100)
    purpose: str = Field(max_length=1000)
    category: Category = Category.GRASSROOTS
    starts_on: Day
    ends_on: Day | None = None
    is_public: bool = False
    partner_charity: str = Field("", max_length=100, description="公开募捐必填：合作慈善组织")
    partner_registration: str = Field("", max_length=40, description="公开募捐必填：慈善组织登记证号")


@router.post("/donations/funds", response=with_errors({201: FundOut}), summary="新建基金（筹备中）")
def create_fund(request: HttpRequest, payload: FundIn) -> Any:
    user = user_of(request)
    require_ledger(user)
    organiser = organiser_choices(user).filter(pk=payload.organiser).first()
    if organiser is None:
        raise ApiError(
            422, "请选择您所在的工商联或商会", fields={"organiser": ["请选择您所在的工商联或商会"]}
        )
    fund = services.create_fund(actor=user, organiser=organiser, **payload.model_dump(exclude={"organiser"}))
    return WithStatus(201, _fund_json(fund, queries.Totals(), actor_kinds(user, fund)))


class ActIn(Schema):
    model_config = ConfigDict(extra="forbid")

    expected_status: str = Field(max_length=20, description="您看到的状态；已变为其他状态时返回 409")
    reason: str = Field("", max_length=200, description="原因（驳回、撤销、冲正、取消认捐必填）")
    paid_on: Day | None = Field(None, description="拨付日期（确认已拨付时必填）")
    voucher: str = Field("", max_length=40, description="凭证号（确认已拨付时可填）")


@router.post(
    "/donations/funds/{fund_id}/actions/{action}", response=with_errors({200: FundOut}),
    summary="基金开始或结束募集（open、close）",
)  # fmt: skip
def act_on_fund(
    request: HttpRequest, fund_id: Int, action: Literal["open", "close"], payload: ActIn
) -> dict[str, Any]:
    user = user_of(request)
    fund = get_fund_for_user(user, fund_id)
    fund = services.act_on_fund(actor=user, fund=fund, action=action, expected_status=payload.expected_status)
    fund = get_fund_for_user(user, fund.pk)
    return _fund_json(fund, queries.totals_by_fund([fund.pk])[fund.pk], actor_kinds(user, fund))


class EntryOut(Schema):
    seq: int
    kind: Entry.Kind
    kind_label: str
    gift: int | None
    disbursement: int | None
    amount: str
    balance_change: str
    balance_change_fen: int
    reason: str
    created_at: dt.datetime
    hash: str


class EntryPage(Schema):
    items: list[EntryOut]
    next_cursor: str | None


@router.get(
    "/donations/funds/{fund_id}/entries", response=with_errors({200: EntryPage}),
    summary="基金台账分录（按序号，余额＝分录之和）",
)  # fmt: skip
def list_entries(request: HttpRequest, fund_id: Int, params: Query[PageParams]) -> dict[str, Any]:
    fund = get_fund_for_user(user_of(request), fund_id)
    rows, cursor = keyset_page(Entry.objects.filter(fund=fund), params, keys=[("seq", int)], descending=False)
    return page_of(
        rows, cursor,
        lambda e: {
            "seq": e.seq, "kind": e.kind, "kind_label": str(e.get_kind_display()), "gift": e.gift_id,
            "disbursement": e.disbursement_id, "amount": _yuan(e.amount_fen), "balance_change": _yuan(e.balance_fen),
            "balance_change_fen": e.balance_fen, "reason": e.reason, "created_at": e.created_at, "hash": e.hash,
        },
    )  # fmt: skip


# --- Gifts ---------------------------------------------------------------------------------------------


class GiftOut(Schema):
    id: int
    number: str
    fund: int
    status: Gift.Status
    donor_kind: Donor.Kind
    donor: str = Field(description="个人捐赠人脱敏显示")
    pledge: int | None
    kind: Gift.Kind
    amount: str | None
    description: str
    quantity: str | None
    unit: str
    value: str | None
    value_source: str
    hours: str | None
    channel: Gift.Channel
    direct_recipient: str
    receipt_issuer: str
    receipt_number: str
    received_on: dt.date
    publish_name: bool


class GiftPage(Schema):
    items: list[GiftOut]
    next_cursor: str | None


def _gift_json(g: Gift) -> dict[str, Any]:
    return {
        "id": g.pk, "number": g.number, "fund": g.fund_id, "status": g.status, "donor_kind": g.donor.kind,
        "donor": g.donor.display_name, "pledge": g.pledge_id, "kind": g.kind, "amount": _yuan(g.amount_fen),
        "description": g.description, "quantity": None if g.quantity is None else str(g.quantity), "unit": g.unit,
        "value": _yuan(g.value_fen), "value_source": g.value_source, "hours": None if g.hours is None else str(g.hours),
        "channel": g.channel, "direct_recipient": g.direct_recipient, "receipt_issuer": g.receipt_issuer,
        "receipt_number": g.receipt_number, "received_on": g.received_on, "publish_name": g.publish_name,
    }  # fmt: skip


class GiftFilters(PageParams):
    fund: Int | None = None
    kind: Gift.Kind | None = None
    channel: Gift.Channel | None = None
    status: Gift.Status | None = None


@router.get("/donations/gifts", response=with_errors({200: GiftPage}), summary="捐赠明细")
def list_gifts(request: HttpRequest, filters: Query[GiftFilters]) -> dict[str, Any]:
    user = user_of(request)
    require_ledger(user)
    gifts = Gift.objects.filter(fund__in=funds_for_user(user)).select_related("donor")
    for name in ("fund", "kind", "channel", "status"):
        if (value := getattr(filters, name)) is not None:
            gifts = gifts.filter(**{f"{name}_id" if name == "fund" else name: value})
    rows, cursor = keyset_page(gifts, filters, keys=[("id", int)], descending=True)
    return page_of(rows, cursor, _gift_json)


@router.get("/donations/gifts/{gift_id}", response=with_errors({200: GiftOut}), summary="捐赠详情")
def get_gift(request: HttpRequest, gift_id: Int) -> dict[str, Any]:
    return _gift_json(get_gift_for_user(user_of(request), gift_id))


class DonorIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Donor.Kind
    name: str = Field("", max_length=100)
    credit_code: str = Field("", max_length=18)
    mobile: str = Field("", max_length=20, description="个人捐赠人凭此手机号查看捐款去向；不公开")


class GiftIn(Schema):
    model_config = ConfigDict(extra="forbid")

    donor: DonorIn | None = Field(None, description="捐赠人；履行认捐时不填（用认捐人）")
    pledge: Int | None = None
    kind: Gift.Kind
    amount: str | None = Field(None, pattern=YUAN, description="资金：金额（元，字符串，最多两位小数）")
    description: str = Field("", max_length=200)
    quantity: str | None = Field(None, pattern=YUAN, description="物资：数量")
    unit: str = Field("", max_length=20)
    value: str | None = Field(None, pattern=YUAN, description="物资：价值（元），须有 value_source")
    value_source: Literal["", "invoice", "appraisal", "donor_statement"] = ""
    hours: str | None = Field(None, pattern=r"^[0-9]{1,6}(\.[0-9])?$", description="服务：时长（小时）")
    channel: Gift.Channel
    direct_recipient: str = Field("", max_length=100)
    receipt_issuer: str = Field("", max_length=100)
    receipt_number: str = Field("", max_length=40)
    received_on: Day
    publish_name: bool = False


@router.post(
    "/donations/funds/{fund_id}/gifts",
    response=with_errors({201: GiftOut}),
    summary="登记捐赠（不可修改，只能冲正）",
)
def record_gift(request: HttpRequest, fund_id: Int, payload: GiftIn) -> Any:
    user = user_of(request)
    fund = get_fund_for_user(user, fund_id, write=True)
    pledge = None
    if payload.pledge is not None:
        pledge = get_pledge_for_user(user, payload.pledge)
    donor = None
    if payload.donor is not None:
        donor = DonorInput(kind=payload.donor.kind, name=payload.donor.name, credit_code=payload.donor.credit_code,
                           mobile=payload.donor.mobile)  # fmt: skip
    gift = services.record_gift(
        actor=user, fund=fund, donor=donor, pledge=pledge,
        gift=GiftInput(
            kind=payload.kind, channel=payload.channel, received_on=payload.received_on, amount=_money(payload.amount),
            description=payload.description, quantity=_money(payload.quantity), unit=payload.unit,
            value=_money(payload.value), value_source=payload.value_source,
            hours=None if payload.hours is None else Decimal(payload.hours), direct_recipient=payload.direct_recipient,
            receipt_issuer=payload.receipt_issuer, receipt_number=payload.receipt_number, publish_name=payload.publish_name,
        ),
    )  # fmt: skip
    return WithStatus(201, _gift_json(gift))


class ReasonIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=200)
    expected_status: str = Field("recorded", max_length=20)


@router.post(
    "/donations/gifts/{gift_id}/reverse",
    response=with_errors({200: GiftOut}),
    summary="冲正捐赠（基金管理员）",
)
def reverse_gift(request: HttpRequest, gift_id: Int, payload: ReasonIn) -> dict[str, Any]:
    user = user_of(request)
    gift = get_gift_for_user(user, gift_id)
    services.reverse_gift(
        actor=user, gift=gift, reason=payload.reason, expected_status=payload.expected_status
    )
    return _gift_json(get_gift_for_user(user, gift_id))


class ReceiptIn(Schema):
    model_config = ConfigDict(extra="forbid")

    receipt_number: str = Field(max_length=40)
    receipt_issuer: str = Field("", max_length=100, description="经合作慈善组织的捐赠可不填（为该慈善组织）")


@router.post(
    "/donations/gifts/{gift_id}/receipt", response=with_errors({200: GiftOut}),
    summary="补录捐赠票据（只能登记一次）",
)  # fmt: skip
def record_receipt(request: HttpRequest, gift_id: Int, payload: ReceiptIn) -> dict[str, Any]:
    user = user_of(request)
    gift = get_gift_for_user(user, gift_id)
    services.record_receipt(
        actor=user, gift=gift, receipt_number=payload.receipt_number, receipt_issuer=payload.receipt_issuer
    )
    return _gift_json(get_gift_for_user(user, gift_id))


# --- Pledges -------------------------------------------------------------------------------------------


class InstalmentIO(Schema):
    due_on: Day
    amount: str = Field(pattern=YUAN)


class PledgeOut(Schema):
    id: int
    fund: int
    status: Pledge.Status
    donor: str
    amount: str
    fulfilled: str
    instalments: list[InstalmentIO]


class PledgeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    donor: DonorIn
    amount: str = Field(pattern=YUAN)
    instalments: list[InstalmentIO] = Field(default_factory=list, max_length=24)
    note: str = Field("", max_length=200)


def _pledge_json(p: Pledge) -> dict[str, Any]:
    from shanghui.donations.workflow import fulfilled_fen

    return {
        "id": p.pk, "fund": p.fund_id, "status": p.status, "donor": p.donor.display_name, "amount": _yuan(p.amount_fen),
        "fulfilled": _yuan(fulfilled_fen(p)),
        "instalments": [{"due_on": i.due_on, "amount": _yuan(i.amount_fen)} for i in p.instalments.all()],
    }  # fmt: skip


@router.post(
    "/donations/funds/{fund_id}/pledges", response=with_errors({201: PledgeOut}), summary="登记认捐（可分期）"
)
def create_pledge(request: HttpRequest, fund_id: Int, payload: PledgeIn) -> Any:
    user = user_of(request)
    fund = get_fund_for_user(user, fund_id, write=True)
    pledge = services.create_pledge(
        actor=user, fund=fund, amount=Decimal(payload.amount), note=payload.note,
        donor=DonorInput(kind=payload.donor.kind, name=payload.donor.name, credit_code=payload.donor.credit_code,
                         mobile=payload.donor.mobile),
        instalments=[(i.due_on, Decimal(i.amount)) for i in payload.instalments],
    )  # fmt: skip
    return WithStatus(201, _pledge_json(pledge))


@router.get("/donations/pledges/{pledge_id}", response=with_errors({200: PledgeOut}), summary="认捐详情")
def get_pledge(request: HttpRequest, pledge_id: Int) -> dict[str, Any]:
    return _pledge_json(get_pledge_for_user(user_of(request), pledge_id))


# --- Disbursements -------------------------------------------------------------------------------------


class DisbursementOut(Schema):
    id: int
    fund: int
    status: Disbursement.Status
    status_label: str
    amount: str
    recipient_kind: Disbursement.RecipientKind
    recipient: str = Field(description="受助家庭脱敏显示")
    village: int | None
    purpose: str
    paid_on: dt.date | None
    voucher: str
    created_at: dt.datetime
    allowed_actions: list[Allowed]


class DisbursementPage(Schema):
    items: list[DisbursementOut]
    next_cursor: str | None


def _disbursement_json(d: Disbursement, kinds: set[str]) -> dict[str, Any]:
    return {
        "id": d.pk, "fund": d.fund_id, "status": d.status, "status_label": str(d.get_status_display()),
        "amount": _yuan(d.amount_fen), "recipient_kind": d.recipient_kind, "recipient": d.public_recipient,
        "village": d.village_id, "purpose": d.purpose, "paid_on": d.paid_on, "voucher": d.voucher,
        "created_at": d.created_at,
        "allowed_actions": [{"action": t.action, "label": t.label} for t in DISBURSEMENT_MACHINE.allowed(d, kinds)],
    }  # fmt: skip


class DisbursementIn(Schema):
    model_config = ConfigDict(extra="forbid")

    amount: str = Field(pattern=YUAN)
    recipient_kind: Disbursement.RecipientKind
    recipient_name: str = Field(max_length=100)
    purpose: str = Field(max_length=200)
    village: Int | None = Field(None, description="所在村（组织 id）")


@router.post(
    "/donations/funds/{fund_id}/disbursements", response=with_errors({201: DisbursementOut}),
    summary="申请拨付（待基金管理员审批）",
)  # fmt: skip
def request_disbursement(request: HttpRequest, fund_id: Int, payload: DisbursementIn) -> Any:
    user = user_of(request)
    fund = get_fund_for_user(user, fund_id, write=True)
    village = None
    if payload.village is not None:
        village = Organisation.objects.filter(pk=payload.village, kind=OrgKind.VILLAGE).first()
        if village is None:
            raise ApiError(422, "没有这个村", fields={"village": ["没有这个村"]})
    d = services.request_disbursement(
        actor=user, fund=fund, amount=Decimal(payload.amount), recipient_kind=payload.recipient_kind,
        recipient_name=payload.recipient_name, purpose=payload.purpose, village=village,
    )  # fmt: skip
    return WithStatus(201, _disbursement_json(d, actor_kinds(user, fund)))


class DisbursementFilters(PageParams):
    fund: Int | None = None
    status: Disbursement.Status | None = None


@router.get("/donations/disbursements", response=with_errors({200: DisbursementPage}), summary="拨付列表")
def list_disbursements(request: HttpRequest, filters: Query[DisbursementFilters]) -> dict[str, Any]:
    user = user_of(request)
    require_ledger(user)
    rows_qs = Disbursement.objects.filter(fund__in=funds_for_user(user)).select_related(
        "fund", "fund__organiser"
    )
    if filters.fund is not None:
        rows_qs = rows_qs.filter(fund_id=filters.fund)
    if filters.status is not None:
        rows_qs = rows_qs.filter(status=filters.status)
    rows, cursor = keyset_page(rows_qs, filters, keys=[("id", int)], descending=True)
    return page_of(rows, cursor, lambda d: _disbursement_json(d, actor_kinds(user, d.fund)))


@router.get(
    "/donations/disbursements/{disbursement_id}",
    response=with_errors({200: DisbursementOut}),
    summary="拨付详情",
)
def get_disbursement(request: HttpRequest, disbursement_id: Int) -> dict[str, Any]:
    user = user_of(request)
    d = get_disbursement_for_user(user, disbursement_id)
    return _disbursement_json(d, actor_kinds(user, d.fund))


@router.post(
    "/donations/disbursements/{disbursement_id}/actions/{action}", response=with_errors({200: DisbursementOut}),
    summary="审批拨付（approve、reject、pay、cancel）",
    description="批准时在基金行锁下核对余额：余额不足返回 422，什么都不改变；同时批准两笔也不会超支。",
)  # fmt: skip
def act_on_disbursement(
    request: HttpRequest,
    disbursement_id: Int,
    action: Literal["approve", "reject", "pay", "cancel"],
    payload: ActIn,
) -> dict[str, Any]:
    user = user_of(request)
    d = get_disbursement_for_user(user, disbursement_id)
    if not actor_kinds(user, d.fund):
        raise PermissionDenied("您只能查看该拨付")
    services.act_on_disbursement(
        actor=user, disbursement=d, action=action, expected_status=payload.expected_status, reason=payload.reason,
        paid_on=payload.paid_on, voucher=payload.voucher,
    )  # fmt: skip
    d = get_disbursement_for_user(user, disbursement_id)
    return _disbursement_json(d, actor_kinds(user, d.fund))


# --- Statistics ----------------------------------------------------------------------------------------


class CategoryOut(Schema):
    category: str
    totals: TotalsOut


class StatsOut(Schema):
    funds: int
    total: TotalsOut
    given: str = Field(description="资金与物资价值合计（元；服务不折算）")
    by_category: list[CategoryOut]


@router.get("/donations/stats", response=with_errors({200: StatsOut}), summary="捐赠统计")
def donation_stats(request: HttpRequest) -> dict[str, Any]:
    user = user_of(request)
    require_ledger(user)
    s = queries.stats(funds_for_user(user), today=timezone.localdate())
    return {
        "funds": s.funds, "total": _totals(s.total), "given": _yuan(s.total.given_fen),
        "by_category": [{"category": label, "totals": _totals(t)} for label, t in s.by_category],
    }  # fmt: skip


# --- Pairing -------------------------------------------------------------------------------------------


class FiguresOut(Schema):
    donated: str = Field(description="捐赠（元，经捐赠台账）；与投资分列，不相加")
    invested: str = Field(description="商业投资（元）")
    projects: int
    collective_income: str
    jobs: int
    trained: int


class PairOut(Schema):
    id: int
    partner: int
    partner_name: str
    village: int
    village_name: str
    province: str
    county: str
    programme: str
    status: Pair.Status
    starts_on: dt.date
    ends_on: dt.date | None
    figures: FiguresOut


class PairPage(Schema):
    items: list[PairOut]
    next_cursor: str | None


def _figures(f: pairing_queries.PairFigures) -> dict[str, Any]:
    return {"donated": _yuan(f.donated_fen), "invested": _yuan(f.invested_fen), "projects": f.projects,
            "collective_income": _yuan(f.income_fen), "jobs": f.jobs, "trained": f.trained}  # fmt: skip


def _pair_json(p: Pair, f: pairing_queries.PairFigures) -> dict[str, Any]:
    profile = getattr(p.village, "village_profile", None)
    return {
        "id": p.pk, "partner": p.partner_id, "partner_name": p.partner.name, "village": p.village_id,
        "village_name": p.village.name, "province": profile.province if profile else "",
        "county": profile.county if profile else "", "programme": p.programme, "status": p.status,
        "starts_on": p.starts_on, "ends_on": p.ends_on, "figures": _figures(f),
    }  # fmt: skip


class PairFilters(PageParams):
    province: str = Field("", max_length=20)
    county: str = Field("", max_length=40)


@router.get("/pairing/pairs", response=with_errors({200: PairPage}), summary="结对列表")
def list_pairs(request: HttpRequest, filters: Query[PairFilters]) -> dict[str, Any]:
    user = user_of(request)
    require_pairing(user)
    pairs = pairs_for_user(user).select_related("partner", "village", "village__village_profile")
    if filters.province:
        pairs = pairs.filter(village__village_profile__province=filters.province)
    if filters.county:
        pairs = pairs.filter(village__village_profile__county=filters.county)
    rows, cursor = keyset_page(pairs, filters, keys=[("id", int)], descending=False)
    figures = pairing_queries.figures_by_pair(p.pk for p in rows)
    return page_of(rows, cursor, lambda p: _pair_json(p, figures[p.pk]))


@router.get("/pairing/pairs/{pair_id}", response=with_errors({200: PairOut}), summary="结对详情")
def get_pair(request: HttpRequest, pair_id: Int) -> dict[str, Any]:
    pair = get_pair_for_user(user_of(request), pair_id)
    return _pair_json(pair, pairing_queries.figures_by_pair([pair.pk])[pair.pk])


class EndIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ends_on: Day
    expected_status: Pair.Status = Pair.Status.ACTIVE


@router.post("/pairing/pairs/{pair_id}/end", response=with_errors({200: PairOut}), summary="结束结对")
def end_pair(request: HttpRequest, pair_id: Int, payload: EndIn) -> dict[str, Any]:
    user = user_of(request)
    pair = get_pair_for_user(user, pair_id)
    pairing_services.end_pair(
        actor=user, pair=pair, ends_on=payload.ends_on, expected_status=payload.expected_status
    )
    pair = get_pair_for_user(user, pair_id)
    return _pair_json(pair, pairing_queries.figures_by_pair([pair.pk])[pair.pk])


class PlaceOut(Schema):
    province: str
    county: str
    pairs: int
    villages: int
    partners: int
    figures: FiguresOut


class PairingStatsOut(Schema):
    total: PlaceOut
    by_place: list[PlaceOut]


@router.get(
    "/pairing/stats", response=with_errors({200: PairingStatsOut}), summary="结对帮扶统计（按省、县）"
)
def pairing_stats(request: HttpRequest) -> dict[str, Any]:
    user = user_of(request)
    require_pairing(user)
    rows, total = pairing_queries.by_place(pairs_for_user(user))

    def place(r: pairing_queries.PlaceRow) -> dict[str, Any]:
        return {"province": r.province, "county": r.county, "pairs": r.pairs, "villages": r.villages,
                "partners": r.partners, "figures": _figures(r.figures or pairing_queries.PairFigures())}  # fmt: skip

    return {"total": place(total), "by_place": [place(r) for r in rows]}


__all__ = ["router", "ledger"]
