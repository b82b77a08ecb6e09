"""The donations ledger (捐赠台账): funds and campaigns, pledges, gifts by channel, disbursements, and the
append-only entries every balance is computed from.

Money is integer fen (donations/money.py). A fund's balance is the sum of its entries' `balance_fen`; a
gift or a disbursement is never edited: it is reversed by an entry of the opposite sign, with a reason.
Entries are chained per fund (each row's `hash` covers its content and the previous row's hash, the
head is kept on the fund), so a row changed or deleted behind the application's back is found by
`ledger.verify_fund()`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shanghui.donations.money import to_yuan
from shanghui.orgs.models import Organisation
from shanghui.workflow.models import EventBase


class Category(models.TextChoices):
    GRASSROOTS = "grassroots", _("基层公益")
    EPIDEMIC = "epidemic", _("疫情防控")
    PAIRING = "pairing", _("结对帮扶")
    OTHER = "other", _("其他")


class Fund(models.Model):
    """A fund or campaign (基金 / 募捐活动). A public appeal (公开募捐) by a chamber, which has no public
    fundraising status of its own, must be run with a qualified charity (慈善法): its partner charity
    and registration are required (a database constraint holds it too)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        OPEN = "open", _("募集中")
        CLOSED = "closed", _("已结束")

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    name = models.CharField(_("名称"), max_length=100)
    purpose = models.TextField(_("用途"))
    category = models.CharField(
        _("类别"), max_length=20, choices=Category.choices, default=Category.GRASSROOTS
    )
    organiser = models.ForeignKey(
        Organisation, verbose_name=_("发起组织"), on_delete=models.PROTECT, related_name="funds"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    is_public = models.BooleanField(_("公开募捐"), default=False)
    partner_charity = models.CharField(_("合作慈善组织"), max_length=100, blank=True)
    partner_registration = models.CharField(_("慈善组织登记证号"), max_length=40, blank=True)
    # The head of the entries' chain: entries are appended under this row's lock.
    entry_count = models.PositiveIntegerField(default=0, editable=False)
    head_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects: models.Manager[Fund] = models.Manager()

    class Meta:
        verbose_name = _("基金/募捐活动")
        verbose_name_plural = _("基金/募捐活动")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_public=False) | (~Q(partner_charity="") & ~Q(partner_registration="")),
                name="donations_fund_public_needs_partner",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="donations_fund_period_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FundEvent(EventBase):
    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="events")


class Donor(models.Model):
    """Who gave: an enterprise (credit code), a chamber, a person (shown masked; their mobile kept as a
    keyed hash, so that they can see their own gifts after proving it) or anonymous."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        CHAMBER = "chamber", _("商会")
        PERSON = "person", _("个人")
        ANONYMOUS = "anonymous", _("匿名")

    kind = models.CharField(_("捐赠人类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称/姓名"), max_length=100, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("对应组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    mobile_hash = models.CharField(max_length=64, blank=True, db_index=True)
    mobile_masked = models.CharField(_("手机号"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[Donor] = models.Manager()

    class Meta:
        verbose_name = _("捐赠人")
        verbose_name_plural = _("捐赠人")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="anonymous") | ~Q(name=""), name="donations_donor_named_unless_anonymous"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """How staff pages show the donor: a person masked (张*), an anonymous donor as 匿名捐赠人."""
        from shanghui.lib.masking import mask_name

        if self.kind == self.Kind.ANONYMOUS:
            return gettext("匿名捐赠人")
        if self.kind == self.Kind.PERSON:
            return mask_name(self.name)
        return self.name

    @property
    def public_name(self) -> str:
        """The name on a disclosure page when the donor has not consented: 爱心企业 / 爱心人士."""
        if self.kind in (self.Kind.ENTERPRISE, self.Kind.CHAMBER):
            return gettext("爱心企业")
        return gettext("爱心人士")


class Pledge(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("履约中")
        FULFILLED = "fulfilled", _("已履约")
        CANCELLED = "cancelled", _("已取消")

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    fund = models.ForeignKey(Fund, verbose_name=_("基金"), on_delete=models.PROTECT, related_name="pledges")
    donor = models.ForeignKey(
        Donor, verbose_name=_("认捐人"), on_delete=models.PROTECT, related_name="pledges"
    )
    amount_fen = models.BigIntegerField(_("认捐金额（分）"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[Pledge] = models.Manager()

    class Meta:
        verbose_name = _("认捐")
        verbose_name_plural = _("认捐")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="donations_pledge_positive")
        ]

    def __str__(self) -> str:
        return f"{self.donor.display_name} 认捐 ¥{to_yuan(self.amount_fen)}"


class PledgeEvent(EventBase):
    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="events")


class Instalment(models.Model):
    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="instalments")
    due_on = models.DateField(_("到期日"))
    amount_fen = models.BigIntegerField(_("金额（分）"))
    reminded_on = models.DateField(_("已提醒日期"), null=True, blank=True)

    objects: models.Manager[Instalment] = models.Manager()

    class Meta:
        verbose_name = _("分期")
        verbose_name_plural = _("分期")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="donations_instalment_positive")
        ]


class Gift(models.Model):
    """One gift as received. Never changed: a mistake is reversed (status 已冲正, a correcting entry
    with its reason) and the right gift recorded anew."""

    class Status(models.TextChoices):
        RECORDED = "recorded", _("已入账")
        REVERSED = "reversed", _("已冲正")

    class Kind(models.TextChoices):
        MONEY = "money", _("资金")
        GOODS = "goods", _("物资")
        SERVICE = "service", _("服务")

    class Channel(models.TextChoices):
        OWN_ACCOUNT = "own_account", _("商会自有账户")
        PARTNER_CHARITY = "partner_charity", _("经合作慈善组织")
        DIRECT = "direct", _("直接捐给慈善组织或政府部门")

    class ValueSource(models.TextChoices):
        INVOICE = "invoice", _("发票")
        APPRAISAL = "appraisal", _("评估报告")
        DONOR_STATEMENT = "donor_statement", _("捐赠人声明")

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECORDED)
    number = models.CharField(_("登记号"), max_length=30, unique=True)
    fund = models.ForeignKey(Fund, verbose_name=_("基金"), on_delete=models.PROTECT, related_name="gifts")
    donor = models.ForeignKey(Donor, verbose_name=_("捐赠人"), on_delete=models.PROTECT, related_name="gifts")
    pledge = models.ForeignKey(
        Pledge,
        verbose_name=_("对应认捐"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="gifts",
    )
    kind = models.CharField(_("捐赠形式"), max_length=20, choices=Kind.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"), null=True, blank=True)
    description = models.CharField(_("物资/服务说明"), max_length=200, blank=True)
    quantity = models.DecimalField(_("数量"), max_digits=14, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    value_fen = models.BigIntegerField(_("物资价值（分）"), null=True, blank=True)
    value_source = models.CharField(_("价值依据"), max_length=20, choices=ValueSource.choices, blank=True)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=10, decimal_places=1, null=True, blank=True)
    channel = models.CharField(_("捐赠渠道"), max_length=20, choices=Channel.choices)
    direct_recipient = models.CharField(_("受赠单位"), max_length=100, blank=True)
    receipt_issuer = models.CharField(_("票据开具单位"), max_length=100, blank=True)
    receipt_number = models.CharField(_("捐赠票据号"), max_length=40, blank=True)
    received_on = models.DateField(_("接收日期"))
    publish_name = models.BooleanField(_("同意公示名称"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[Gift] = models.Manager()

    class Meta:
        verbose_name = _("捐赠")
        verbose_name_plural = _("捐赠")
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["fund", "status", "kind"], name="donations_gift_fund_idx")]
        constraints = [
            # Money: an amount, nothing else valued.
            models.CheckConstraint(
                condition=~Q(kind="money")
                | (Q(amount_fen__gt=0) & Q(value_fen__isnull=True) & Q(hours__isnull=True)),
                name="donations_gift_money_shape",
            ),
            # Goods: described by quantity and unit; a value only with its source.
            models.CheckConstraint(
                condition=~Q(kind="goods")
                | (
                    Q(amount_fen__isnull=True)
                    & Q(quantity__gt=0)
                    & ~Q(unit="")
                    & ~Q(description="")
                    & (
                        Q(value_fen__isnull=True, value_source="")
                        | (Q(value_fen__gt=0) & ~Q(value_source=""))
                    )
                ),
                name="donations_gift_goods_shape",
            ),
            # Services: described, hours, never valued.
            models.CheckConstraint(
                condition=~Q(kind="service")
                | (
                    Q(amount_fen__isnull=True)
                    & Q(value_fen__isnull=True)
                    & Q(hours__gt=0)
                    & ~Q(description="")
                ),
                name="donations_gift_service_shape",
            ),
            models.CheckConstraint(
                condition=~Q(channel="direct") | ~Q(direct_recipient=""),
                name="donations_gift_direct_names_recipient",
            ),
            models.CheckConstraint(
                condition=Q(receipt_number="") | ~Q(receipt_issuer=""),
                name="donations_gift_receipt_has_issuer",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def value(self) -> int:
        """What the gift is worth in fen: the amount of money, the sourced value of goods, 0 for services
        (which are described by their hours, never valued)."""
        return self.amount_fen or self.value_fen or 0

    @property
    def enters_balance(self) -> bool:
        """Money the campaign holds and may pay out: received on the chamber's own account or by the
        partner charity. Money given straight to a charity or a government body is recorded, not held."""
        return self.kind == self.Kind.MONEY and self.channel != self.Channel.DIRECT

    @property
    def acknowledgeable(self) -> bool:
        """Whether the chamber may give its own acknowledgement (the official receipt is the issuer's)."""
        return self.channel == self.Channel.OWN_ACCOUNT and self.status == self.Status.RECORDED


class GiftEvent(EventBase):
    gift = models.ForeignKey(Gift, on_delete=models.CASCADE, related_name="events")


class Disbursement(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        APPROVED = "approved", _("已批准")
        PAID = "paid", _("已拨付")
        REJECTED = "rejected", _("已驳回")
        CANCELLED = "cancelled", _("已撤销")

    class RecipientKind(models.TextChoices):
        HOUSEHOLD = "household", _("困难家庭")
        VILLAGE_PROJECT = "village_project", _("村级项目")
        SCHOOL = "school", _("学校")
        ORGANISATION = "organisation", _("组织机构")

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    fund = models.ForeignKey(
        Fund, verbose_name=_("基金"), on_delete=models.PROTECT, related_name="disbursements"
    )
    amount_fen = models.BigIntegerField(_("金额（分）"))
    recipient_kind = models.CharField(_("受助对象类型"), max_length=20, choices=RecipientKind.choices)
    recipient_name = models.CharField(_("受助对象"), max_length=100)
    village = models.ForeignKey(
        Organisation,
        verbose_name=_("所在村"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    purpose = models.CharField(_("用途"), max_length=200)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    voucher = models.CharField(_("凭证号"), max_length=40, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[Disbursement] = models.Manager()

    class Meta:
        verbose_name = _("拨付")
        verbose_name_plural = _("拨付")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="donations_disbursement_positive")
        ]

    def __str__(self) -> str:
        return f"{self.recipient_name} ¥{to_yuan(self.amount_fen)}"

    @property
    def public_recipient(self) -> str:
        """A household is a person: masked on public pages."""
        from shanghui.lib.masking import mask_name

        if self.recipient_kind == self.RecipientKind.HOUSEHOLD:
            return gettext("%(name)s家庭") % {"name": mask_name(self.recipient_name)}
        return self.recipient_name


class DisbursementEvent(EventBase):
    disbursement = models.ForeignKey(Disbursement, on_delete=models.CASCADE, related_name="events")


class Entry(models.Model):
    """One line of a fund's ledger. Append-only (save refuses an update, delete refuses): the balance is
    the sum of `balance_fen`, the amount given the sum of `amount_fen` of gift entries."""

    class Kind(models.TextChoices):
        GIFT = "gift", _("捐赠入账")
        GIFT_REVERSAL = "gift_reversal", _("捐赠冲正")
        DISBURSEMENT = "disbursement", _("拨付")
        DISBURSEMENT_REVERSAL = "disbursement_reversal", _("拨付撤销")

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries")
    seq = models.PositiveIntegerField()
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    gift = models.ForeignKey(Gift, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    disbursement = models.ForeignKey(
        Disbursement, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    # The value recorded (goods at their sourced value included), signed: a reversal is negative.
    amount_fen = models.BigIntegerField()
    # The effect on the money the fund holds: money received (not given directly elsewhere) minus paid.
    balance_fen = models.BigIntegerField()
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    objects: models.Manager[Entry] = models.Manager()

    class Meta:
        verbose_name = _("台账分录")
        verbose_name_plural = _("台账分录")
        ordering = ["fund", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "seq"], name="donations_entry_fund_seq_unique"),
            models.CheckConstraint(
                condition=Q(gift__isnull=False) | Q(disbursement__isnull=False),
                name="donations_entry_has_source",
            ),
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValueError("台账分录不可修改，请做冲正分录")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("台账分录不可删除，请做冲正分录")


class Statement(models.Model):
    """An imported bank statement (银行流水) of a fund's account, its lines matched to the ledger."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("基金"), on_delete=models.PROTECT, related_name="statements"
    )
    original_name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[Statement] = models.Manager()

    class Meta:
        verbose_name = _("银行流水")
        verbose_name_plural = _("银行流水")
        ordering = ["-created_at", "-pk"]


class StatementLine(models.Model):
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("行号"))
    booked_on = models.DateField(_("交易日期"))
    # Signed: money in is positive, money out negative.
    amount_fen = models.BigIntegerField(_("金额（分）"))
    counterparty = models.CharField(_("对方户名"), max_length=100, blank=True)
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    gift = models.ForeignKey(Gift, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    disbursement = models.ForeignKey(
        Disbursement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: models.Manager[StatementLine] = models.Manager()

    class Meta:
        ordering = ["statement", "line_no"]

    @property
    def matched(self) -> bool:
        return self.gift_id is not None or self.disbursement_id is not None
