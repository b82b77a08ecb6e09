"""Forms of the ledger's pages: filters of the lists, and the inputs of each service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.donations.access import funds_for_user, organiser_choices
from shanghui.donations.models import Category, Disbursement, Donor, Fund, Gift
from shanghui.donations.services import DonorInput, GiftInput
from shanghui.lib.bounds import DayField
from shanghui.orgs.forms import OrgChoiceField
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.ui.forms import BootstrapForm, FilterForm

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01")}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _all(label: Any, choices: Any) -> list[tuple[Any, Any]]:
    return [("", label), *choices]


class FundFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=_all(_("全部类别"), Category.choices)
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_all(_("全部状态"), Fund.Status.choices)
    )
    public = forms.ChoiceField(
        label=_("公开募捐"),
        required=False,
        choices=[("", _("全部")), ("1", _("公开募捐")), ("0", _("非公开"))],
    )

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        self.fields["q"].widget.attrs["placeholder"] = _("名称、发起组织或合作慈善组织")

    def apply(self, funds: QuerySet[Fund]) -> QuerySet[Fund]:
        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            funds = funds.filter(
                Q(name__icontains=q) | Q(organiser__name__icontains=q) | Q(partner_charity__icontains=q)
            )
        if data.get("category"):
            funds = funds.filter(category=data["category"])
        if data.get("status"):
            funds = funds.filter(status=data["status"])
        if data.get("public"):
            funds = funds.filter(is_public=data["public"] == "1")
        return funds


class GiftFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    fund = forms.ModelChoiceField(
        label=_("基金"), required=False, queryset=Fund.objects.none(), empty_label=_("全部基金")
    )
    kind = forms.ChoiceField(
        label=_("捐赠形式"), required=False, choices=_all(_("全部形式"), Gift.Kind.choices)
    )
    channel = forms.ChoiceField(
        label=_("渠道"), required=False, choices=_all(_("全部渠道"), Gift.Channel.choices)
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_all(_("全部状态"), Gift.Status.choices)
    )
    since = DayField(label=_("接收日期起"), required=False, widget=DATE)
    until = DayField(label=_("接收日期止"), required=False, widget=DATE)

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        self.fields["fund"].queryset = funds_for_user(user).order_by("-starts_on")  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = _("捐赠人、登记号或票据号")

    def apply(self, gifts: QuerySet[Gift]) -> QuerySet[Gift]:
        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            gifts = gifts.filter(
                Q(donor__name__icontains=q) | Q(number__icontains=q) | Q(receipt_number__icontains=q)
                | Q(donor__credit_code=q.upper())
            )  # fmt: skip
        for name in ("fund", "kind", "channel", "status"):
            if data.get(name):
                gifts = gifts.filter(**{name: data[name]})
        if data.get("since"):
            gifts = gifts.filter(received_on__gte=data["since"])
        if data.get("until"):
            gifts = gifts.filter(received_on__lte=data["until"])
        return gifts


class DisbursementFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    fund = forms.ModelChoiceField(
        label=_("基金"), required=False, queryset=Fund.objects.none(), empty_label=_("全部基金")
    )
    recipient_kind = forms.ChoiceField(
        label=_("受助对象类型"),
        required=False,
        choices=_all(_("全部类型"), Disbursement.RecipientKind.choices),
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_all(_("全部状态"), Disbursement.Status.choices)
    )

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        self.fields["fund"].queryset = funds_for_user(user).order_by("-starts_on")  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = _("受助对象或用途")

    def apply(self, rows: QuerySet[Disbursement]) -> QuerySet[Disbursement]:
        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            rows = rows.filter(Q(recipient_name__icontains=q) | Q(purpose__icontains=q))
        for name in ("fund", "recipient_kind", "status"):
            if data.get(name):
                rows = rows.filter(**{name: data[name]})
        return rows


class FundForm(BootstrapForm):
    organiser = OrgChoiceField(label=_("发起组织"), queryset=Organisation.objects.none())
    name = forms.CharField(label=_("名称"), max_length=100)
    purpose = forms.CharField(label=_("用途"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    starts_on = DayField(label=_("开始日期"), widget=DATE)
    ends_on = DayField(label=_("结束日期"), required=False, widget=DATE)
    is_public = forms.BooleanField(label=_("公开募捐（面向社会公众募集）"), required=False)
    partner_charity = forms.CharField(
        label=_("合作慈善组织"), max_length=100, required=False,
        help_text=_("商会不具有公开募捐资格，公开募捐须与具有公开募捐资格的慈善组织合作，由其接收善款并开具捐赠票据。"),
    )  # fmt: skip
    partner_registration = forms.CharField(label=_("慈善组织登记证号"), max_length=40, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organiser"]
        assert isinstance(field, OrgChoiceField)
        field.queryset = organiser_choices(user)


class DonorFields(BootstrapForm):
    """The donor, typed in with the gift or the pledge."""

    donor_kind = forms.ChoiceField(label=_("捐赠人类型"), choices=Donor.Kind.choices)
    donor_name = forms.CharField(label=_("捐赠人名称/姓名"), max_length=100, required=False)
    donor_credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    donor_mobile = forms.CharField(
        label=_("捐赠人手机号"), max_length=20, required=False,
        help_text=_("个人捐赠人可凭此手机号在手机上查看捐款去向；不公开显示。"),
    )  # fmt: skip

    def donor(self) -> DonorInput:
        d = self.cleaned_data
        return DonorInput(
            kind=d["donor_kind"], name=d.get("donor_name") or "", credit_code=d.get("donor_credit_code") or "",
            mobile=d.get("donor_mobile") or "",
        )  # fmt: skip


class GiftForm(DonorFields):
    kind = forms.ChoiceField(label=_("捐赠形式"), choices=Gift.Kind.choices)
    amount = forms.DecimalField(label=_("金额（元）"), required=False, **MONEY)  # type: ignore[arg-type]
    description = forms.CharField(label=_("物资/服务说明"), max_length=200, required=False)
    quantity = forms.DecimalField(
        label=_("数量"), required=False, max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    unit = forms.CharField(label=_("单位"), max_length=20, required=False)
    value = forms.DecimalField(label=_("物资价值（元）"), required=False, **MONEY)  # type: ignore[arg-type]
    value_source = forms.ChoiceField(
        label=_("价值依据"), required=False, choices=_all(_("（未估价）"), Gift.ValueSource.choices)
    )
    hours = forms.DecimalField(
        label=_("服务时长（小时）"), required=False, max_digits=10, decimal_places=1, min_value=Decimal("0.1")
    )
    channel = forms.ChoiceField(label=_("捐赠渠道"), choices=Gift.Channel.choices)
    direct_recipient = forms.CharField(label=_("受赠单位（直接捐赠时）"), max_length=100, required=False)
    receipt_issuer = forms.CharField(label=_("票据开具单位"), max_length=100, required=False)
    receipt_number = forms.CharField(label=_("公益事业捐赠票据号"), max_length=40, required=False)
    received_on = DayField(label=_("接收日期"), widget=DATE)
    publish_name = forms.BooleanField(label=_("捐赠人同意在公示中显示名称"), required=False)

    def __init__(self, *args: Any, pledge_donor: Donor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if pledge_donor is not None:
            for name in ("donor_kind", "donor_name", "donor_credit_code", "donor_mobile"):
                del self.fields[name]
        if not self.is_bound:
            self.initial.setdefault("received_on", dt.date.today())

    def gift(self) -> GiftInput:
        d = self.cleaned_data
        return GiftInput(
            kind=d["kind"], channel=d["channel"], received_on=d["received_on"], amount=d.get("amount"),
            description=d.get("description") or "", quantity=d.get("quantity"), unit=d.get("unit") or "",
            value=d.get("value"), value_source=d.get("value_source") or "", hours=d.get("hours"),
            direct_recipient=d.get("direct_recipient") or "", receipt_issuer=d.get("receipt_issuer") or "",
            receipt_number=d.get("receipt_number") or "", publish_name=bool(d.get("publish_name")),
        )  # fmt: skip


class PledgeForm(DonorFields):
    amount = forms.DecimalField(label=_("认捐金额（元）"), **MONEY)  # type: ignore[arg-type]
    due_1 = DayField(label=_("第一期到期日"), required=False, widget=DATE)
    amount_1 = forms.DecimalField(label=_("第一期金额（元）"), required=False, **MONEY)  # type: ignore[arg-type]
    due_2 = DayField(label=_("第二期到期日"), required=False, widget=DATE)
    amount_2 = forms.DecimalField(label=_("第二期金额（元）"), required=False, **MONEY)  # type: ignore[arg-type]
    due_3 = DayField(label=_("第三期到期日"), required=False, widget=DATE)
    amount_3 = forms.DecimalField(label=_("第三期金额（元）"), required=False, **MONEY)  # type: ignore[arg-type]
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in (1, 2, 3):
            due, amount = data.get(f"due_{i}"), data.get(f"amount_{i}")
            if bool(due) != bool(amount):
                self.add_error(f"amount_{i}" if due else f"due_{i}", _("到期日和金额须同时填写"))
        return data

    def instalments(self) -> list[tuple[dt.date, Decimal]]:
        d = self.cleaned_data
        return [
            (d[f"due_{i}"], d[f"amount_{i}"]) for i in (1, 2, 3) if d.get(f"due_{i}") and d.get(f"amount_{i}")
        ]


class DisbursementForm(BootstrapForm):
    amount = forms.DecimalField(label=_("金额（元）"), **MONEY)  # type: ignore[arg-type]
    recipient_kind = forms.ChoiceField(label=_("受助对象类型"), choices=Disbursement.RecipientKind.choices)
    recipient_name = forms.CharField(label=_("受助对象"), max_length=100)
    village = forms.ModelChoiceField(
        label=_("所在村（村级项目）"), required=False,
        queryset=Organisation.objects.filter(kind=OrgKind.VILLAGE, is_active=True).order_by("name"),
    )  # fmt: skip
    purpose = forms.CharField(label=_("用途"), max_length=200)


class ReasonForm(BootstrapForm):
    reason = forms.CharField(label=_("原因"), max_length=200)


class ReceiptForm(BootstrapForm):
    receipt_number = forms.CharField(label=_("公益事业捐赠票据号"), max_length=40)
    receipt_issuer = forms.CharField(
        label=_("票据开具单位"), max_length=100, required=False, help_text=_("经合作慈善组织的捐赠可不填。")
    )


class PayForm(BootstrapForm):
    paid_on = DayField(label=_("拨付日期"), widget=DATE)
    voucher = forms.CharField(label=_("凭证号"), max_length=40, required=False)


class StatementForm(BootstrapForm):
    file = forms.FileField(
        label=_("银行流水文件（Excel 或 CSV）"),
        help_text=_("列：交易日期、金额（收入为正，支出为负）、对方户名、摘要；第一行为表头。"),
    )
