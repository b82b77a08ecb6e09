"""Every write of the donations ledger: typed, keyword-only, an explicit actor, one transaction, its audit
row. Pages, the API, the demo's commands and the reminder task call these, never .save().

Bad input raises ValidationError (field → Chinese message) before anything is written; a status that no
longer allows the action raises workflow.Conflict (409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.donations import ledger
from shanghui.donations.access import actor_kinds
from shanghui.donations.models import (
    Disbursement,
    Donor,
    Entry,
    Fund,
    Gift,
    Instalment,
    Pledge,
)
from shanghui.donations.money import MAX_FEN, to_fen, yuan_text
from shanghui.donations.workflow import (
    ADMIN,
    DISBURSEMENT_MACHINE,
    FUND_MACHINE,
    GIFT_MACHINE,
    PLEDGE_MACHINE,
    READER,
    STAFF,
    recheck_pledge,
)
from shanghui.lib.crypto import keyed_hash
from shanghui.lib.masking import mask_mobile
from shanghui.lib.validators import is_valid_credit_code, is_valid_mobile, normalize_mobile
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.workflow.machine import Machine


def kind_for(actor: User, fund: Fund, machine: Machine[Any], action: str) -> str:
    """The actor kind the user acts as on this fund's records for `action` (access.actor_kinds): the one
    the table allows when they hold it, otherwise one they hold (or READER, who may only look), which the
    machine then refuses with 403 before anything is touched."""
    kinds = actor_kinds(actor, fund)
    allowed = machine.spec(action).actors & kinds
    if allowed:
        return ADMIN if ADMIN in allowed else sorted(allowed)[0]
    return sorted(kinds)[0] if kinds else READER


def _fen(value: Decimal | None, field: str, errors: dict[str, str], *, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            errors[field] = "请填写金额"
        return None
    try:
        fen = to_fen(value)
    except ValidationError as exc:
        errors[field] = exc.messages[0]
        return None
    if fen <= 0:
        errors[field] = "金额必须大于零"
    elif fen > MAX_FEN:
        errors[field] = "金额超出范围"
    return fen


# --- Funds ---------------------------------------------------------------------------------------------


@transaction.atomic
def create_fund(
    *, actor: User | None, organiser: Organisation, name: str, purpose: str, category: str,
    starts_on: dt.date, ends_on: dt.date | None = None, is_public: bool = False,
    partner_charity: str = "", partner_registration: str = "",
) -> Fund:  # fmt: skip
    errors: dict[str, str] = {}
    if organiser.kind not in (OrgKind.FEDERATION, OrgKind.CHAMBER):
        errors["organiser"] = "基金只能由工商联或商会发起"
    if not name.strip():
        errors["name"] = "请填写名称"
    if not purpose.strip():
        errors["purpose"] = "请填写用途"
    if ends_on and ends_on < starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    if is_public and not partner_charity.strip():
        errors["partner_charity"] = "公开募捐须与具有公开募捐资格的慈善组织合作，请填写合作慈善组织"
    if is_public and not partner_registration.strip():
        errors["partner_registration"] = "请填写合作慈善组织的登记证号或统一社会信用代码"
    if errors:
        raise ValidationError(errors)
    fund = Fund.objects.create(
        organiser=organiser, name=name.strip(), purpose=purpose.strip(), category=category,
        starts_on=starts_on, ends_on=ends_on, is_public=is_public,
        partner_charity=partner_charity.strip() if is_public or partner_charity else "",
        partner_registration=partner_registration.strip(), created_by=actor,
    )  # fmt: skip
    FUND_MACHINE.record_event(
        fund,
        action="create",
        actor=actor,
        actor_kind="staff",
        created_at=timezone.now(),
        to_status=fund.status,
    )
    record(actor=actor, action=AuditAction.DONATION_FUND_CREATE, obj=fund)
    return fund


# --- Donors --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DonorInput:
    kind: str
    name: str = ""
    credit_code: str = ""
    mobile: str = ""
    organisation: Organisation | None = None


def _donor_errors(d: DonorInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if d.kind not in Donor.Kind.values:
        errors["donor_kind"] = "请选择捐赠人类型"
    elif d.kind != Donor.Kind.ANONYMOUS and not d.name.strip() and d.organisation is None:
        errors["donor_name"] = "请填写捐赠人名称或姓名"
    if d.credit_code and not is_valid_credit_code(d.credit_code.upper()):
        errors["donor_credit_code"] = "统一社会信用代码不正确"
    if d.mobile and not is_valid_mobile(normalize_mobile(d.mobile)):
        errors["donor_mobile"] = "手机号码不正确"
    return errors


def _donor(d: DonorInput) -> Donor:
    """The donor, found by credit code or mobile (so that one donor's gifts stay together), or new."""
    mobile = normalize_mobile(d.mobile) if d.mobile else ""
    name = d.name.strip() or (d.organisation.name if d.organisation else "")
    credit = (d.credit_code or (d.organisation.credit_code if d.organisation else "")).upper()
    if d.kind == Donor.Kind.ANONYMOUS:
        return Donor.objects.create(
            kind=d.kind, mobile_hash=keyed_hash(mobile), mobile_masked=mask_mobile(mobile)
        )
    existing = None
    if credit:
        existing = Donor.objects.filter(kind=d.kind, credit_code=credit).first()
    elif mobile:
        existing = Donor.objects.filter(kind=d.kind, mobile_hash=keyed_hash(mobile), name=name).first()
    elif d.organisation is not None:
        existing = Donor.objects.filter(kind=d.kind, organisation=d.organisation).first()
    elif d.kind != Donor.Kind.PERSON:
        # An enterprise or a chamber is its name; two people of one name are two people.
        existing = Donor.objects.filter(kind=d.kind, name=name, credit_code="").first()
    if existing is not None:
        return existing
    return Donor.objects.create(
        kind=d.kind, name=name, credit_code=credit, organisation=d.organisation,
        mobile_hash=keyed_hash(mobile), mobile_masked=mask_mobile(mobile),
    )  # fmt: skip


# --- Pledges -------------------------------------------------------------------------------------------


@transaction.atomic
def create_pledge(
    *, actor: User | None, fund: Fund, donor: DonorInput, amount: Decimal,
    instalments: Sequence[tuple[dt.date, Decimal]] = (), note: str = "",
) -> Pledge:  # fmt: skip
    errors = _donor_errors(donor)
    amount_fen = _fen(amount, "amount", errors)
    if fund.status != Fund.Status.OPEN:
        errors["__all__"] = "基金不在募集中，不能登记认捐"
    plan: list[tuple[dt.date, int]] = []
    for i, (due_on, part) in enumerate(instalments, start=1):
        fen = _fen(part, f"instalment_{i}", errors)
        if fen:
            plan.append((due_on, fen))
    if amount_fen and plan and sum(f for _d, f in plan) != amount_fen:
        errors["instalments"] = (
            f"各期金额合计 {yuan_text(sum(f for _d, f in plan))} 与认捐金额 {yuan_text(amount_fen)} 不一致"
        )
    if errors:
        raise ValidationError(errors)
    assert amount_fen is not None
    if not plan:
        plan = [(fund.ends_on or timezone.localdate() + dt.timedelta(days=30), amount_fen)]
    pledge = Pledge.objects.create(
        fund=fund, donor=_donor(donor), amount_fen=amount_fen, note=note.strip()[:200], created_by=actor
    )
    Instalment.objects.bulk_create(Instalment(pledge=pledge, due_on=d, amount_fen=f) for d, f in plan)
    PLEDGE_MACHINE.record_event(
        pledge,
        action="create",
        actor=actor,
        actor_kind="staff",
        created_at=timezone.now(),
        to_status=pledge.status,
    )
    record(actor=actor, action=AuditAction.DONATION_PLEDGE_CREATE, obj=pledge, detail={"fund": fund.pk})
    return pledge


def cancel_pledge(*, actor: User, pledge: Pledge, reason: str, expected_status: str | None) -> Pledge:
    with transaction.atomic():
        pledge = PLEDGE_MACHINE.transition(
            pk=pledge.pk, action="cancel", actor=actor, actor_kind=kind_for(actor, pledge.fund, PLEDGE_MACHINE, "cancel"),
            expected_status=expected_status, params={"reason": reason.strip()},
        )  # fmt: skip
        record(actor=actor, action=AuditAction.DONATION_PLEDGE_CANCEL, obj=pledge)
    return pledge


def remind_due_instalments(*, today: dt.date, within_days: int = 7) -> int:
    """Remind the fund's staff of instalments of open pledges due within `within_days` (or overdue) and
    not yet covered. Each instalment is reminded once per week: a second run the same day finds
    `reminded_on` set and does nothing. Returns how many were reminded."""
    from shanghui.donations.access import WRITER_ROLES
    from shanghui.donations.workflow import fulfilled_fen
    from shanghui.notify.services import notify_users
    from shanghui.orgs.models import Membership

    count = 0
    due = Instalment.objects.filter(
        pledge__status=Pledge.Status.OPEN, due_on__lte=today + dt.timedelta(days=within_days)
    ).exclude(reminded_on__gt=today - dt.timedelta(days=7))
    for instalment in due.select_related(
        "pledge", "pledge__fund", "pledge__fund__organiser", "pledge__donor"
    ):
        pledge = instalment.pledge
        with transaction.atomic():
            locked = Instalment.objects.select_for_update().get(pk=instalment.pk)
            if locked.reminded_on and locked.reminded_on > today - dt.timedelta(days=7):
                continue
            earlier = sum(i.amount_fen for i in pledge.instalments.all() if i.due_on <= instalment.due_on)
            if fulfilled_fen(pledge) >= earlier:
                continue
            locked.reminded_on = today
            locked.save(update_fields=["reminded_on"])
            PLEDGE_MACHINE.record_event(
                pledge, action="remind", actor=None, actor_kind="system", created_at=timezone.now(),
                note=f"{instalment.due_on:%Y-%m-%d} 到期 {yuan_text(instalment.amount_fen)}",
            )  # fmt: skip
            staff = [
                m.user
                for m in Membership.objects.filter(
                    organisation=pledge.fund.organiser, role__in=WRITER_ROLES
                ).select_related("user")
            ]
            notify_users(
                users=staff, event="donation.pledge_due", key=f"pledge:{pledge.pk}:instalment:{instalment.pk}:{today}",
                title="认捐分期即将到期",
                body=f"{pledge.donor.display_name}认捐“{pledge.fund.name}”的一期 {yuan_text(instalment.amount_fen)} "
                f"于 {instalment.due_on:%Y-%m-%d} 到期，尚未到账。",
                url=f"/donations/pledges/{pledge.pk}/",
            )  # fmt: skip
            count += 1
    return count


# --- Gifts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GiftInput:
    kind: str
    channel: str
    received_on: dt.date
    amount: Decimal | None = None
    description: str = ""
    quantity: Decimal | None = None
    unit: str = ""
    value: Decimal | None = None
    value_source: str = ""
    hours: Decimal | None = None
    direct_recipient: str = ""
    receipt_issuer: str = ""
    receipt_number: str = ""
    publish_name: bool = False


def _gift_errors(fund: Fund, g: GiftInput, pledge: Pledge | None) -> tuple[dict[str, str], dict[str, Any]]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if fund.status != Fund.Status.OPEN:
        errors["__all__"] = f"基金“{fund.name}”{fund.get_status_display()}，不能登记捐赠"
    if g.kind not in Gift.Kind.values:
        errors["kind"] = "请选择捐赠形式"
    if g.channel not in Gift.Channel.values:
        errors["channel"] = "请选择捐赠渠道"
    if g.received_on > timezone.localdate():
        errors["received_on"] = "接收日期不能晚于今天"
    if g.kind == Gift.Kind.MONEY:
        values["amount_fen"] = _fen(g.amount, "amount", errors)
        if g.value is not None or g.hours is not None:
            errors["value"] = "资金捐赠只填金额"
    elif g.kind == Gift.Kind.GOODS:
        if not g.description.strip():
            errors["description"] = "请填写物资名称和规格"
        if g.quantity is None or g.quantity <= 0:
            errors["quantity"] = "请填写数量"
        elif g.quantity != g.quantity.quantize(Decimal("0.01")) or g.quantity >= Decimal("1e12"):
            errors["quantity"] = "数量格式不正确"
        if not g.unit.strip():
            errors["unit"] = "请填写单位"
        if g.value is not None:
            values["value_fen"] = _fen(g.value, "value", errors)
            if g.value_source not in Gift.ValueSource.values:
                errors["value_source"] = "物资估价须注明依据：发票、评估报告或捐赠人声明"
        elif g.value_source:
            errors["value"] = "注明了价值依据，请填写物资价值"
        if g.amount is not None:
            errors["amount"] = "物资捐赠不填金额，价值填在“物资价值”"
    elif g.kind == Gift.Kind.SERVICE:
        if not g.description.strip():
            errors["description"] = "请说明提供的服务"
        if g.hours is None or g.hours <= 0 or g.hours > 100000:
            errors["hours"] = "请填写服务时长（小时）"
        if g.value is not None or g.amount is not None:
            errors["value"] = "服务捐赠只记录时长，不折算金额"
    if g.channel == Gift.Channel.DIRECT and not g.direct_recipient.strip():
        errors["direct_recipient"] = "直接捐给慈善组织或政府部门的，请填写受赠单位"
    if g.channel == Gift.Channel.PARTNER_CHARITY and not fund.partner_charity:
        errors["channel"] = "该基金没有合作慈善组织"
    if g.receipt_number.strip() and not (
        g.receipt_issuer.strip() or g.channel == Gift.Channel.PARTNER_CHARITY
    ):
        errors["receipt_issuer"] = "请填写开具捐赠票据的单位"
    if pledge is not None:
        if pledge.fund_id != fund.pk:
            errors["pledge"] = "认捐不属于该基金"
        elif pledge.status != Pledge.Status.OPEN:
            errors["pledge"] = f"该认捐{pledge.get_status_display()}"
    return errors, values


@transaction.atomic
def record_gift(
    *, actor: User | None, fund: Fund, donor: DonorInput | None, gift: GiftInput, pledge: Pledge | None = None
) -> Gift:
    """A gift as received, with its entry in the fund's ledger. The donor is the pledge's when the gift
    fulfils a pledge; a pledge fully covered becomes 已履约."""
    errors, values = _gift_errors(fund, gift, pledge)
    if donor is None and pledge is None:
        errors["donor_kind"] = "请填写捐赠人"
    if donor is not None and pledge is None:
        errors.update(_donor_errors(donor))
    if errors:
        raise ValidationError(errors)
    locked = ledger.lock_fund(fund.pk)
    if locked.status != Fund.Status.OPEN:
        raise ValidationError({"__all__": f"基金“{locked.name}”{locked.get_status_display()}，不能登记捐赠"})
    issuer = gift.receipt_issuer.strip()
    if gift.channel == Gift.Channel.PARTNER_CHARITY and gift.receipt_number.strip() and not issuer:
        issuer = locked.partner_charity
    number = f"JZ{locked.pk:05d}-{Gift.objects.filter(fund=locked).count() + 1:06d}"
    row = Gift.objects.create(
        number=number, fund=locked, donor=pledge.donor if pledge else _donor(donor),  # type: ignore[arg-type]
        pledge=pledge, kind=gift.kind, amount_fen=values.get("amount_fen"),
        description=gift.description.strip()[:200],
        quantity=gift.quantity if gift.kind == Gift.Kind.GOODS else None,
        unit=gift.unit.strip()[:20] if gift.kind == Gift.Kind.GOODS else "",
        value_fen=values.get("value_fen"),
        value_source=gift.value_source if values.get("value_fen") else "",
        hours=gift.hours if gift.kind == Gift.Kind.SERVICE else None,
        channel=gift.channel,
        direct_recipient=gift.direct_recipient.strip()[:100] if gift.channel == Gift.Channel.DIRECT else "",
        receipt_issuer=issuer[:100] if gift.receipt_number.strip() else issuer[:100],
        receipt_number=gift.receipt_number.strip()[:40], received_on=gift.received_on,
        publish_name=gift.publish_name, created_by=actor,
    )  # fmt: skip
    ledger.append(
        locked, kind=Entry.Kind.GIFT, amount_fen=row.value,
        balance_fen=row.amount_fen or 0 if row.enters_balance else 0, actor=actor, gift=row,
    )  # fmt: skip
    GIFT_MACHINE.record_event(
        row, action="create", actor=actor, actor_kind="staff", created_at=timezone.now(), to_status=row.status
    )
    recheck_pledge(row.pledge_id)
    record(actor=actor, action=AuditAction.DONATION_GIFT_RECORD, obj=row, detail={"fund": fund.pk})
    return row


def reverse_gift(
    *, actor: User, gift: Gift, reason: str, expected_status: str = Gift.Status.RECORDED
) -> Gift:
    """The correcting entry: the gift becomes 已冲正 and its value leaves the fund (refused when the money
    has been paid out already)."""
    with transaction.atomic():
        gift = GIFT_MACHINE.transition(
            pk=gift.pk, action="reverse", actor=actor, actor_kind=kind_for(actor, gift.fund, GIFT_MACHINE, "reverse"),
            expected_status=expected_status,
            params={"reason": reason.strip(), "actor": actor},
        )  # fmt: skip
        record(actor=actor, action=AuditAction.DONATION_GIFT_REVERSE, obj=gift)
    return gift


# --- Disbursements -------------------------------------------------------------------------------------


@transaction.atomic
def request_disbursement(
    *, actor: User | None, fund: Fund, amount: Decimal, recipient_kind: str, recipient_name: str, purpose: str,
    village: Organisation | None = None,
) -> Disbursement:  # fmt: skip
    errors: dict[str, str] = {}
    amount_fen = _fen(amount, "amount", errors)
    if recipient_kind not in Disbursement.RecipientKind.values:
        errors["recipient_kind"] = "请选择受助对象类型"
    if not recipient_name.strip():
        errors["recipient_name"] = "请填写受助对象"
    if not purpose.strip():
        errors["purpose"] = "请填写用途"
    if village is not None and village.kind != OrgKind.VILLAGE:
        errors["village"] = "请选择村"
    if fund.status == Fund.Status.DRAFT:
        errors["__all__"] = "基金尚未开始募集"
    if amount_fen and amount_fen > ledger.balance_fen(fund):
        errors["amount"] = f"超过基金当前余额 {yuan_text(ledger.balance_fen(fund))}"
    if errors:
        raise ValidationError(errors)
    assert amount_fen is not None
    d = Disbursement.objects.create(
        fund=fund, amount_fen=amount_fen, recipient_kind=recipient_kind, recipient_name=recipient_name.strip()[:100],
        village=village, purpose=purpose.strip()[:200], requested_by=actor,
    )  # fmt: skip
    DISBURSEMENT_MACHINE.record_event(
        d, action="create", actor=actor, actor_kind="staff", created_at=timezone.now(), to_status=d.status
    )
    record(actor=actor, action=AuditAction.DONATION_DISBURSEMENT_REQUEST, obj=d, detail={"fund": fund.pk})
    return d


DISBURSEMENT_AUDIT = {
    "approve": AuditAction.DONATION_DISBURSEMENT_APPROVE,
    "reject": AuditAction.DONATION_DISBURSEMENT_REJECT,
    "pay": AuditAction.DONATION_DISBURSEMENT_PAY,
    "cancel": AuditAction.DONATION_DISBURSEMENT_CANCEL,
}


def act_on_disbursement(
    *, actor: User, disbursement: Disbursement, action: str, expected_status: str | None,
    reason: str = "", paid_on: dt.date | None = None, voucher: str = "",
) -> Disbursement:  # fmt: skip
    with transaction.atomic():
        d = DISBURSEMENT_MACHINE.transition(
            pk=disbursement.pk, action=action, actor=actor, expected_status=expected_status,
            actor_kind=kind_for(actor, disbursement.fund, DISBURSEMENT_MACHINE, action),
            params={"reason": reason.strip(), "paid_on": paid_on, "voucher": voucher.strip(), "actor": actor},
        )  # fmt: skip
        record(actor=actor, action=DISBURSEMENT_AUDIT[action], obj=d)
    return d


def act_on_fund(*, actor: User, fund: Fund, action: str, expected_status: str | None) -> Fund:
    with transaction.atomic():
        fund = FUND_MACHINE.transition(
            pk=fund.pk,
            action=action,
            actor=actor,
            actor_kind=kind_for(actor, fund, FUND_MACHINE, action),
            expected_status=expected_status,
        )
        record(actor=actor, action=AuditAction.DONATION_FUND_STATUS, obj=fund, detail={"action": action})
    return fund


def acknowledge_gift(*, actor: User, gift: Gift) -> None:
    """The chamber's acknowledgement of a gift to its own account was printed: on the gift's timeline."""
    if not gift.acknowledgeable:
        raise ValidationError(_("只有进入商会自有账户且未冲正的捐赠可以开具收款确认"))
    with transaction.atomic():
        GIFT_MACHINE.record_event(
            gift, action="acknowledge", actor=actor, actor_kind="staff", created_at=timezone.now()
        )
        record(actor=actor, action=AuditAction.DONATION_GIFT_ACKNOWLEDGE, obj=gift)


def record_receipt(*, actor: User, gift: Gift, receipt_number: str, receipt_issuer: str = "") -> Gift:
    """The official receipt, when the issuer sends it after the gift was recorded: written once into the
    gift's empty receipt fields (the charity issues it later), on the gift's timeline; never changed
    after. Who may: the fund's staff (access.actor_kinds)."""
    if STAFF not in actor_kinds(actor, gift.fund):
        raise PermissionDenied("您没有登记票据的权限")
    number, issuer = receipt_number.strip()[:40], receipt_issuer.strip()[:100]
    errors: dict[str, str] = {}
    if not number:
        errors["receipt_number"] = "请填写票据号"
    with transaction.atomic():
        locked = Gift.objects.select_for_update().select_related("fund").get(pk=gift.pk)
        if not issuer and locked.channel == Gift.Channel.PARTNER_CHARITY:
            issuer = locked.fund.partner_charity
        if not issuer:
            errors["receipt_issuer"] = "请填写开具捐赠票据的单位"
        if locked.receipt_number:
            errors["__all__"] = "该捐赠已登记票据号，不能更改"
        elif locked.status != Gift.Status.RECORDED:
            errors["__all__"] = "已冲正的捐赠不能登记票据"
        if errors:
            raise ValidationError(errors)
        locked.receipt_number, locked.receipt_issuer = number, issuer
        locked.save(update_fields=["receipt_number", "receipt_issuer"])
        GIFT_MACHINE.record_event(
            locked,
            action="receipt",
            actor=actor,
            actor_kind=STAFF,
            created_at=timezone.now(),
            note=f"{issuer} {number}",
        )
        record(actor=actor, action=AuditAction.DONATION_GIFT_RECEIPT, obj=locked)
    return locked
