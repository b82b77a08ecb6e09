"""Forms of the party pages: filters of the lists, the records' forms, the candidate's self-check."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.lib.bounds import DayField, ModelsField
from shanghui.orgs.forms import OrgChoiceField
from shanghui.orgs.models import Organisation
from shanghui.party import checks
from shanghui.party.access import chambers_for_user
from shanghui.party.models import Candidate, DeedKind, Election, PartyOrganisation, PartyOrgKind, Position
from shanghui.party.register import LABELS
from shanghui.ui.forms import BootstrapForm, FilterForm, MobileField


def _chamber_field(user: User, *, required: bool = False) -> OrgChoiceField:
    field = OrgChoiceField(
        label=_("商会"), required=required, queryset=chambers_for_user(user).order_by("name")
    )
    field.empty_label = _("全部商会") if not required else _("请选择")
    return field


class PartyOrgFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *PartyOrgKind.choices]
    )
    chamber = OrgChoiceField(label=_("商会"), required=False, queryset=Organisation.objects.none())

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        self.fields["chamber"] = _chamber_field(user)
        self.fields["q"].widget.attrs["placeholder"] = _("党组织名称或书记")
        self.style_widgets()

    def apply(self, rows: QuerySet[PartyOrganisation]) -> QuerySet[PartyOrganisation]:
        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            rows = rows.filter(Q(name__icontains=q) | Q(secretary_name__icontains=q))
        if data.get("kind"):
            rows = rows.filter(kind=data["kind"])
        if data.get("chamber"):
            rows = rows.filter(chambers=data["chamber"])
        return rows


class PartyOrgForm(BootstrapForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=PartyOrgKind.choices)
    chambers = ModelsField(label=_("所属商会"), queryset=Organisation.objects.none())
    secretary_name = forms.CharField(label=_("书记"), max_length=50, required=False)
    member_count = forms.IntegerField(label=_("党员人数"), min_value=0, max_value=100000)
    founded_on = DayField(label=_("成立日期"))
    term_ends_on = DayField(label=_("本届任期届满"), required=False)
    last_election_on = DayField(label=_("上次换届"), required=False)
    has_plaque = forms.BooleanField(label=_("已挂牌"), required=False)
    annual_funds = forms.DecimalField(
        label=_("年度党建经费（元）"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    venue = forms.CharField(label=_("活动阵地"), max_length=200, required=False)
    plan_year = forms.IntegerField(
        label=_("已制定年度计划的年份"), min_value=2000, max_value=2100, required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chambers"].queryset = chambers_for_user(user).order_by("name")  # type: ignore[attr-defined]
        self.style_widgets()


class ProfileForm(BootstrapForm):
    founded_on = DayField(label=_("商会成立日期"))
    president_name = forms.CharField(label=_("会长"), max_length=50, required=False)
    term_ends_on = DayField(label=_("本届任期届满"), required=False)
    last_election_on = DayField(label=_("上次换届"), required=False)
    party_members = forms.IntegerField(label=_("会员中的党员人数"), min_value=0, max_value=100000)


class RegisterFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("三同时"), required=False, choices=[("", _("全部")), *LABELS.items()])
    warning = forms.BooleanField(label=_("仅看即将届满"), required=False)


class ElectionFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    chamber = OrgChoiceField(label=_("商会"), required=False, queryset=Organisation.objects.none())
    year = forms.IntegerField(label=_("年份"), required=False, min_value=2000, max_value=2100)

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        self.fields["chamber"] = _chamber_field(user)
        self.fields["q"].widget.attrs["placeholder"] = _("换届名称或商会")
        self.style_widgets()

    def apply(self, rows: QuerySet[Election]) -> QuerySet[Election]:
        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            rows = rows.filter(Q(name__icontains=q) | Q(chamber__name__icontains=q))
        if data.get("chamber"):
            rows = rows.filter(chamber=data["chamber"])
        if data.get("year"):
            rows = rows.filter(planned_on__year=data["year"])
        return rows


class ElectionForm(BootstrapForm):
    chamber = OrgChoiceField(label=_("商会"), queryset=Organisation.objects.none())
    name = forms.CharField(label=_("换届名称"), max_length=100, initial=_("换届"))
    planned_on = DayField(label=_("计划换届日期"))
    chamber_held_on = DayField(label=_("商会换届日期"), required=False)
    party_held_on = DayField(label=_("党组织换届日期"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chamber"] = _chamber_field(user, required=True)
        self.style_widgets()


class CandidateFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    position = forms.ChoiceField(
        label=_("拟任职务"), required=False, choices=[("", _("全部职务")), *Position.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Candidate.Status.choices]
    )

    def apply(self, rows: QuerySet[Candidate]) -> QuerySet[Candidate]:
        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            rows = rows.filter(Q(name__icontains=q) | Q(election__chamber__name__icontains=q))
        if data.get("position"):
            rows = rows.filter(position=data["position"])
        if data.get("status"):
            rows = rows.filter(status=data["status"])
        return rows


class CandidateForm(BootstrapForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    mobile = MobileField(label=_("手机号"), help_text=_("候选人用此手机号验证后在手机上填写自荐自查表"))
    position = forms.ChoiceField(label=_("拟任职务"), choices=Position.choices)
    birth_date = DayField(label=_("出生日期"))
    terms_served = forms.IntegerField(label=_("已连任届数"), min_value=0, max_value=20, initial=0)
    enterprise = forms.CharField(label=_("所在企业及职务"), max_length=200, required=False)
    cv = forms.CharField(
        label=_("个人简历"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )


class SelfCheckForm(BootstrapForm):
    conditions = forms.MultipleChoiceField(
        label=_("本人符合以下任职条件（请逐条确认）"), choices=[(c, c) for c in checks.CONDITIONS],
        widget=forms.CheckboxSelectMultiple, required=False,
    )  # fmt: skip
    disqualifications = forms.MultipleChoiceField(
        label=_("本人存在以下情形（如实勾选，没有则不勾选）"), choices=[(d, d) for d in checks.DISQUALIFICATIONS],
        widget=forms.CheckboxSelectMultiple, required=False,
    )  # fmt: skip
    signature = forms.CharField(
        label=_("本人签名（填写姓名）"),
        max_length=50,
        help_text=_("本人承诺以上内容真实，如有不实愿承担相应责任"),
    )


class DeedFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *DeedKind.choices]
    )
    chamber = OrgChoiceField(label=_("商会"), required=False, queryset=Organisation.objects.none())
    year = forms.IntegerField(label=_("年份"), required=False, min_value=2000, max_value=2100)

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        self.fields["chamber"] = _chamber_field(user)
        self.style_widgets()

    def apply(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            rows = rows.filter(Q(title__icontains=q) | Q(chamber__name__icontains=q))
        if data.get("kind"):
            rows = rows.filter(kind=data["kind"])
        if data.get("chamber"):
            rows = rows.filter(chamber=data["chamber"])
        if data.get("year"):
            rows = rows.filter(happened_on__year=data["year"])
        return rows


class DeedForm(BootstrapForm):
    chamber = OrgChoiceField(label=_("商会"), queryset=Organisation.objects.none())
    kind = forms.ChoiceField(label=_("类型"), choices=DeedKind.choices)
    title = forms.CharField(label=_("事项"), max_length=200)
    happened_on = DayField(label=_("日期"))
    amount = forms.DecimalField(
        label=_("金额（元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    people = forms.IntegerField(label=_("参与人数"), required=False, min_value=0, max_value=1000000)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chamber"] = _chamber_field(user, required=True)
        self.style_widgets()


class FiveStepForm(BootstrapForm):
    """The federation's settings of 五步审查: the departments of 部门联审 and each step's time limit."""

    departments = ModelsField(
        label=_("部门联审的部门"), queryset=Organisation.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text=_("统战部、纪委监委、公安、法院、市场监管、税务、人社等；修改只影响之后发起的审查"),
    )  # fmt: skip

    def __init__(
        self, *args: Any, steps: list[dict[str, Any]], departments: QuerySet[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments  # type: ignore[attr-defined]
        self.steps = steps
        for i, step in enumerate(steps):
            self.fields[f"days_{i}"] = forms.IntegerField(
                label=gettext("%(step)s（工作日）") % {"step": step["label"]},
                min_value=1,
                max_value=60,
                initial=step.get("days", 5),
            )
        self.style_widgets()
