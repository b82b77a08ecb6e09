"""The states of the ledger's records, declared with the workflow kernel (docs/donations.md).

Actor kinds: 经办人 (STAFF: federation or chamber staff and admins over the fund's organiser) records
gifts and pledges and asks for disbursements; 基金管理员 (ADMIN: an admin over the organiser) opens and
closes the fund, approves, rejects and cancels disbursements and reverses gifts; the system marks
pledges fulfilled (or open again after a reversal).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext, gettext_noop

from shanghui.donations import ledger
from shanghui.donations.models import (
    Disbursement,
    DisbursementEvent,
    Entry,
    Fund,
    FundEvent,
    Gift,
    GiftEvent,
    Pledge,
    PledgeEvent,
)
from shanghui.donations.money import yuan_text
from shanghui.workflow.machine import SYSTEM, Machine, TransitionError, action, table

STAFF, ADMIN = "staff", "admin"
# Whoever sees a fund but may not act on it (an auditor): refused by every action of the tables.
READER = "reader"
ACTOR_LABELS = {
    STAFF: gettext_noop("经办人"),
    ADMIN: gettext_noop("基金管理员"),
    SYSTEM: gettext_noop("系统"),
    READER: gettext_noop("只读用户"),
}

F, P, G, D = Fund.Status, Pledge.Status, Gift.Status, Disbursement.Status


# --- Funds ---------------------------------------------------------------------------------------------


def _open(fund: Fund, params: dict[str, Any], now: dt.datetime) -> list[str]:
    fund.opened_at = now
    return ["opened_at"]


def _close(fund: Fund, params: dict[str, Any], now: dt.datetime) -> list[str]:
    fund.closed_at = now
    return ["closed_at"]


FUND_MACHINE: Machine[Fund] = Machine(
    model=Fund, events=FundEvent, event_fk="fund", noun=gettext_noop("基金"), actor_labels=ACTOR_LABELS,
    table=table(
        action("open", gettext_noop("开始募集"), {F.DRAFT}, F.OPEN, {ADMIN}),
        action("close", gettext_noop("结束募集"), {F.OPEN}, F.CLOSED, {ADMIN}),
    ),
    effects={"open": _open, "close": _close},
    other_events={"create": gettext_noop("新建基金"), "statement": gettext_noop("导入银行流水")},
)  # fmt: skip


# --- Pledges -------------------------------------------------------------------------------------------


def fulfilled_fen(pledge: Pledge) -> int:
    """What the pledge's recorded gifts are worth (reversed ones no longer count)."""
    gifts = Gift.objects.filter(pledge=pledge, status=Gift.Status.RECORDED)
    money = gifts.aggregate(a=Sum("amount_fen"), v=Sum("value_fen"))
    return int(money["a"] or 0) + int(money["v"] or 0)


PLEDGE_MACHINE: Machine[Pledge] = Machine(
    model=Pledge, events=PledgeEvent, event_fk="pledge", noun=gettext_noop("认捐"), actor_labels=ACTOR_LABELS,
    table=table(
        action("fulfil", gettext_noop("履约完成"), {P.OPEN}, P.FULFILLED, {SYSTEM}),
        action("reopen", gettext_noop("恢复履约"), {P.FULFILLED}, P.OPEN, {SYSTEM}),
        action("cancel", gettext_noop("取消认捐"), {P.OPEN}, P.CANCELLED, {STAFF, ADMIN}, required=("reason",)),
    ),
    other_events={"create": gettext_noop("登记认捐"), "remind": gettext_noop("到期提醒")},
)  # fmt: skip


def recheck_pledge(pledge_id: int | None) -> None:
    """After a gift towards a pledge is recorded or reversed: fulfilled when its gifts cover it, open
    again when a reversal leaves it short. In the caller's transaction."""
    if pledge_id is None:
        return
    pledge = Pledge.objects.get(pk=pledge_id)
    covered = fulfilled_fen(pledge) >= pledge.amount_fen
    if pledge.status == P.OPEN and covered:
        PLEDGE_MACHINE.transition(pk=pledge.pk, action="fulfil", actor=None, actor_kind=SYSTEM)
    elif pledge.status == P.FULFILLED and not covered:
        PLEDGE_MACHINE.transition(pk=pledge.pk, action="reopen", actor=None, actor_kind=SYSTEM)


# --- Gifts ---------------------------------------------------------------------------------------------


def _reverse(gift: Gift, params: dict[str, Any], now: dt.datetime) -> list[str]:
    fund = ledger.lock_fund(gift.fund_id)
    held = gift.amount_fen or 0 if gift.enters_balance else 0
    if held and ledger.balance_fen(fund) < held:
        raise TransitionError(
            f"基金余额 {yuan_text(ledger.balance_fen(fund))} 不足以冲正这笔 {yuan_text(held)} 的捐赠"
            "（款项已拨付），请先撤销相应拨付",
            code="insufficient",
        )
    ledger.append(
        fund, kind=Entry.Kind.GIFT_REVERSAL, amount_fen=-gift.value, balance_fen=-held,
        actor=params.get("actor"), gift=gift, reason=str(params.get("reason") or ""),
    )  # fmt: skip
    return []


def _after_reverse(gift: Gift, spec: Any, event: Any, before: Any) -> None:
    recheck_pledge(gift.pledge_id)


GIFT_MACHINE: Machine[Gift] = Machine(
    model=Gift, events=GiftEvent, event_fk="gift", noun=gettext_noop("捐赠"), actor_labels=ACTOR_LABELS,
    table=table(action("reverse", gettext_noop("冲正"), {G.RECORDED}, G.REVERSED, {ADMIN}, required=("reason",))),
    effects={"reverse": _reverse},
    after=[_after_reverse],
    other_events={"create": gettext_noop("登记捐赠"), "acknowledge": gettext_noop("开具收款确认"), "receipt": gettext_noop("补录捐赠票据")},
)  # fmt: skip


# --- Disbursements -------------------------------------------------------------------------------------


def _approve(d: Disbursement, params: dict[str, Any], now: dt.datetime) -> list[str]:
    # The fund's row lock: a second approval on the same fund waits here and then reads this one's entry.
    fund = ledger.lock_fund(d.fund_id)
    available = ledger.balance_fen(fund)
    if available < d.amount_fen:
        raise TransitionError(
            f"基金余额不足：可拨付 {yuan_text(available)}，本次申请 {yuan_text(d.amount_fen)}",
            code="insufficient",
        )
    ledger.append(
        fund, kind=Entry.Kind.DISBURSEMENT, amount_fen=-d.amount_fen, balance_fen=-d.amount_fen,
        actor=params.get("actor"), disbursement=d,
    )  # fmt: skip
    d.approved_by = params.get("actor") if getattr(params.get("actor"), "pk", None) else None
    d.approved_at = now
    return ["approved_by", "approved_at"]


def _pay(d: Disbursement, params: dict[str, Any], now: dt.datetime) -> list[str]:
    paid_on = params["paid_on"]
    if not isinstance(paid_on, dt.date):
        raise TransitionError({"paid_on": gettext("请填写正确的拨付日期")})
    if d.approved_at and paid_on < d.approved_at.date() - dt.timedelta(days=1):
        raise TransitionError({"paid_on": gettext("拨付日期不能早于批准日期")})
    d.paid_on = paid_on
    d.voucher = str(params.get("voucher") or "")[:40]
    return ["paid_on", "voucher"]


def _cancel(d: Disbursement, params: dict[str, Any], now: dt.datetime) -> list[str]:
    fund = ledger.lock_fund(d.fund_id)
    ledger.append(
        fund, kind=Entry.Kind.DISBURSEMENT_REVERSAL, amount_fen=d.amount_fen, balance_fen=d.amount_fen,
        actor=params.get("actor"), disbursement=d, reason=str(params.get("reason") or ""),
    )  # fmt: skip
    return []


DISBURSEMENT_MACHINE: Machine[Disbursement] = Machine(
    model=Disbursement, events=DisbursementEvent, event_fk="disbursement", noun=gettext_noop("拨付"),
    actor_labels=ACTOR_LABELS,
    table=table(
        action("approve", gettext_noop("批准拨付"), {D.REQUESTED}, D.APPROVED, {ADMIN}),
        action("reject", gettext_noop("驳回"), {D.REQUESTED}, D.REJECTED, {ADMIN}, required=("reason",)),
        action("pay", gettext_noop("确认已拨付"), {D.APPROVED}, D.PAID, {STAFF, ADMIN}, required=("paid_on",)),
        action("cancel", gettext_noop("撤销拨付"), {D.APPROVED}, D.CANCELLED, {ADMIN}, required=("reason",)),
    ),
    effects={"approve": _approve, "pay": _pay, "cancel": _cancel},
    event_data=lambda spec, params: {"voucher": str(params.get("voucher") or "")} if spec.action == "pay" else {},
    other_events={"create": gettext_noop("申请拨付")},
)  # fmt: skip
