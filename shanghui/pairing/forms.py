from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.donations.access import funds_for_user
from shanghui.donations.models import Fund
from shanghui.lib.bounds import DayField
from shanghui.orgs.forms import OrgChoiceField
from shanghui.orgs.models import Organisation
from shanghui.pairing.access import partner_choices, village_choices
from shanghui.pairing.models import Pair, Project, VillageProfile
from shanghui.ui.forms import BootstrapForm, FilterForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PairFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    province = forms.ChoiceField(label=_("省份"), required=False)
    county = forms.ChoiceField(label=_("县（市、区）"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Pair.Status.choices]
    )

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        places = (
            VillageProfile.objects.order_by("province", "county").values_list("province", "county").distinct()
        )
        provinces = sorted({p for p, _c in places})
        self.fields["province"].choices = [("", _("全部省份")), *((p, p) for p in provinces)]  # type: ignore[attr-defined]
        self.fields["county"].choices = [("", _("全部县")), *((c, f"{p}{c}") for p, c in places)]  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = _("企业、商会或村名")

    def apply(self, pairs: QuerySet[Pair]) -> QuerySet[Pair]:
        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            pairs = pairs.filter(Q(partner__name__icontains=q) | Q(village__name__icontains=q))
        if data.get("province"):
            pairs = pairs.filter(village__village_profile__province=data["province"])
        if data.get("county"):
            pairs = pairs.filter(village__village_profile__county=data["county"])
        if data.get("status"):
            pairs = pairs.filter(status=data["status"])
        return pairs


class PairForm(BootstrapForm):
    partner = OrgChoiceField(label=_("帮扶企业/商会"), queryset=Organisation.objects.none())
    village = forms.ModelChoiceField(label=_("结对村"), queryset=Organisation.objects.none())
    programme = forms.CharField(label=_("帮扶行动"), max_length=40, initial="东西部协作")
    starts_on = DayField(label=_("开始日期"), widget=DATE)
    ends_on = DayField(label=_("结束日期"), required=False, widget=DATE)
    province = forms.CharField(label=_("村所在省份（首次结对时填写）"), max_length=20, required=False)
    county = forms.CharField(label=_("村所在县（市、区）"), max_length=40, required=False)
    agreement = forms.FileField(label=_("帮扶协议（PDF 或图片）"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partner_choices(user)  # type: ignore[attr-defined]
        self.fields["village"].queryset = village_choices()  # type: ignore[attr-defined]


class ProjectForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("类型"), choices=Project.Kind.choices)
    name = forms.CharField(label=_("项目名称"), max_length=100)
    description = forms.CharField(
        label=_("内容"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    invested = forms.DecimalField(
        label=_("投资金额（元，商业投资）"), required=False, max_digits=14, decimal_places=2, min_value=Decimal(0),
        help_text=_("只填企业以商业方式投入的金额；捐赠不填在这里，通过下面的基金在捐赠台账登记。"),
    )  # fmt: skip
    fund = forms.ModelChoiceField(label=_("捐赠基金"), required=False, queryset=Fund.objects.none())
    started_on = DayField(label=_("开始日期"), widget=DATE)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds_for_user(user).order_by("-starts_on")  # type: ignore[attr-defined]


class OutcomeForm(BootstrapForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    collective_income = forms.DecimalField(
        label=_("村集体增收（元）"), max_digits=14, decimal_places=2, min_value=Decimal(0)
    )
    jobs = forms.IntegerField(label=_("带动就业（人）"), min_value=0, max_value=1_000_000)
    trained = forms.IntegerField(label=_("培训（人次）"), min_value=0, max_value=1_000_000)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class EndForm(BootstrapForm):
    ends_on = DayField(label=_("结束日期"), widget=DATE)
