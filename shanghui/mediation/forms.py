"""The forms of the dispute pages (staff and parties)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shanghui.lib.bounds import DayField
from shanghui.mediation.models import (
    Committee,
    Dispute,
    Kind,
    PartyKind,
    Performance,
    Side,
    Source,
    Status,
    TieKind,
)
from shanghui.mediation.services import PartyInput
from shanghui.ui.forms import BootstrapForm, CreditCodeField, FilterForm, MobileField


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class PartyFields:
    """The fields of one party, prefixed (applicant_…, respondent_…)."""

    @staticmethod
    def add(form: forms.Form, side: str, *, mobile_readonly: bool = False) -> None:
        p = f"{side}_"
        form.fields[p + "kind"] = forms.ChoiceField(
            label=_("类别"), choices=PartyKind.choices, initial=PartyKind.ENTERPRISE
        )
        form.fields[p + "name"] = forms.CharField(label=_("企业名称或姓名"), max_length=100)
        form.fields[p + "credit_code"] = CreditCodeField(label=_("统一社会信用代码"), required=False, max_length=30,
                                                         help_text=_("当事人为企业时必填"))  # fmt: skip
        form.fields[p + "representative"] = forms.CharField(
            label=_("法定代表人或代理人"), required=False, max_length=50
        )
        form.fields[p + "mobile"] = MobileField(label=_("联系手机"), max_length=20)
        form.fields[p + "address"] = forms.CharField(label=_("地址"), required=False, max_length=200)
        if mobile_readonly:
            form.fields[p + "mobile"].disabled = True

    @staticmethod
    def read(data: dict[str, Any], side: str) -> PartyInput:
        p = f"{side}_"
        return PartyInput(side=side, kind=data[p + "kind"], name=data[p + "name"], mobile=data[p + "mobile"] or "",
                          credit_code=data.get(p + "credit_code") or "", representative=data.get(p + "representative") or "",
                          address=data.get(p + "address") or "")  # fmt: skip


class DisputeForm(BootstrapForm):
    """Filing a dispute: on the phone by a party (the applicant's mobile is the proved one), or by staff."""

    committee = forms.ModelChoiceField(
        label=_("调解委员会"), queryset=Committee.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(label=_("纠纷类型"), choices=Kind.choices)
    amount = forms.DecimalField(
        label=_("争议金额（元）"), min_value=0, max_digits=14, decimal_places=2, initial=0
    )
    facts = forms.CharField(label=_("纠纷事实"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    claims = forms.CharField(label=_("请求事项"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = MultipleFileField(label=_("证据材料（图片或PDF，可多选）"), required=False)

    def __init__(self, *args: Any, committees: QuerySet[Committee], staff: bool = False, mobile: str = "",
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = committees  # type: ignore[attr-defined]
        if staff:
            self.fields["source"] = forms.ChoiceField(
                label=_("来源"), choices=Source.choices, initial=Source.STAFF
            )
            self.fields["delegated_by"] = forms.CharField(label=_("委派机关"), required=False, max_length=100,
                                                          help_text=_("法院委派或其他机关委托时填写"))  # fmt: skip
            self.fields["external_number"] = forms.CharField(
                label=_("委派机关案号"), required=False, max_length=60
            )
        PartyFields.add(self, Side.APPLICANT, mobile_readonly=bool(mobile))
        PartyFields.add(self, Side.RESPONDENT)
        if mobile:
            self.initial["applicant_mobile"] = mobile
            self.fields["applicant_mobile"].initial = mobile
        self.style_widgets()

    def parties(self) -> list[PartyInput]:
        return [
            PartyFields.read(self.cleaned_data, Side.APPLICANT),
            PartyFields.read(self.cleaned_data, Side.RESPONDENT),
        ]

    def party_fields(self, side: str) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith(f"{side}_")]

    def case_fields(self) -> list[Any]:
        return [self[n] for n in ("committee", "source", "delegated_by", "external_number", "kind", "amount", "facts",
                                  "claims", "evidence") if n in self.fields]  # fmt: skip


OVERDUE_CHOICES = [("", _("全部")), ("overdue", _("已超期")), ("due_soon", _("即将超期"))]


class DisputeFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("纠纷类型"), required=False, choices=[("", _("全部类型")), *Kind.choices]
    )
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部来源")), *Source.choices]
    )
    committee = forms.ModelChoiceField(
        label=_("调解委员会"), required=False, queryset=Committee.objects.none()
    )
    deadline = forms.ChoiceField(label=_("时限"), required=False, choices=OVERDUE_CHOICES)
    filed_from = DayField(
        label=_("登记日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    filed_to = DayField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data: Any, *, committees: QuerySet[Committee]) -> None:
        super().__init__(data)
        field = self.fields["committee"]
        field.queryset = committees  # type: ignore[attr-defined]
        field.empty_label = _("全部")  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = _("纠纷编号、当事人名称或委派案号")

    def apply(self, rows: QuerySet[Dispute], *, now: Any) -> QuerySet[Dispute]:
        from shanghui.mediation.clocks import CLOCKS
        from shanghui.mediation.models import Party

        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            rows = rows.filter(
                Q(number__icontains=q) | Q(external_number__icontains=q)
                | Q(pk__in=Party.objects.filter(name__icontains=q).values("dispute_id"))
            )  # fmt: skip
        for name in ("status", "kind", "source"):
            if data.get(name):
                rows = rows.filter(**{name: data[name]})
        if data.get("committee"):
            rows = rows.filter(committee=data["committee"])
        if data.get("deadline") == "overdue":
            rows = rows.filter(CLOCKS.overdue_q(now))
        elif data.get("deadline") == "due_soon":
            rows = rows.filter(CLOCKS.due_soon_q(now))
        if data.get("filed_from"):
            rows = rows.filter(filed_at__date__gte=data["filed_from"])
        if data.get("filed_to"):
            rows = rows.filter(filed_at__date__lte=data["filed_to"])
        return rows


class StatsFilterForm(FilterForm):
    committee = forms.ModelChoiceField(
        label=_("调解委员会"), required=False, queryset=Committee.objects.none()
    )
    since = DayField(label=_("登记日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = DayField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data: Any, *, committees: QuerySet[Committee]) -> None:
        super().__init__(data)
        self.fields["committee"].queryset = committees  # type: ignore[attr-defined]
        self.fields["committee"].empty_label = _("全部")  # type: ignore[attr-defined]


class AssignForm(BootstrapForm):
    mediator = forms.ModelChoiceField(label=_("调解员"), queryset=Committee.objects.none(), empty_label=None)
    chosen_by_parties = forms.BooleanField(label=_("由当事人选定"), required=False)
    override_reason = forms.CharField(label=_("存在利害关系仍指派的理由"), required=False, max_length=500,
                                      help_text=_("仅在检查发现利害关系、且各方当事人同意时填写"))  # fmt: skip

    def __init__(self, *args: Any, roster: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = roster  # type: ignore[attr-defined]
        self.fields["mediator"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]


class SessionForm(BootstrapForm):
    scheduled_at = forms.DateTimeField(
        label=_("时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("地点或线上会议方式"), max_length=200)
    online = forms.BooleanField(label=_("线上调解"), required=False)
    public = forms.BooleanField(label=_("公开进行（当事人选择）"), required=False)


class MinutesForm(BootstrapForm):
    minutes = forms.CharField(label=_("调解笔录"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))
    shared = forms.BooleanField(label=_("向当事人公开笔录"), required=False)
    attachments = MultipleFileField(label=_("笔录附件"), required=False)


class UploadForm(BootstrapForm):
    attachments = MultipleFileField(label=_("材料（图片或PDF，可多选）"))


class RecuseForm(BootstrapForm):
    reason = forms.CharField(label=_("回避理由"), max_length=500)


# What each action asks for on the page (the names are the transition's params).
ACTION_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "decline": [("reason", "不予受理理由", "textarea")],
    "refuse": [("reason", "拒绝理由（选填）", "text?")],
    "extend": [("reason", "当事人同意延长的情况", "textarea")],
    "record_agreement": [("issues", "争议事项", "textarea"), ("terms", "协议内容", "textarea"),
                         ("performance_method", "履行方式", "text"), ("performance_due", "履行期限", "date?"),
                         ("settled_amount", "协议金额（元）", "number?")],
    "oral_agreement": [("terms", "口头协议内容", "textarea"), ("performance_due", "履行期限", "date?"),
                       ("settled_amount", "协议金额（元）", "number?")],
    "no_agreement": [("advice", "告知当事人的其他途径", "textarea"), ("handed_to_court", "移交法院诉调对接", "checkbox")],
    "sign": [("signed_scan", "签章后的协议扫描件（PDF或图片）", "file")],
    "apply_confirmation": [("court", "受理法院", "text")],
    "confirmation_granted": [("ruling_number", "裁定书文号", "text")],
    "confirmation_rejected": [("reason", "驳回理由", "textarea")],
    "record_performance": [("performance", "履行情况", "performance")],
    "withdraw": [("reason", "撤回理由（选填）", "text?")],
}  # fmt: skip
PERFORMANCE_CHOICES = [c for c in Performance.choices if c[0]]


class TieForm(BootstrapForm):
    mediator = forms.ModelChoiceField(label=_("调解员"), queryset=Committee.objects.none(), empty_label=None)
    enterprise_name = forms.CharField(label=_("企业名称"), max_length=100)
    credit_code = CreditCodeField(label=_("统一社会信用代码"), max_length=30)
    kind = forms.ChoiceField(label=_("关系"), choices=TieKind.choices)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args: Any, roster: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = roster  # type: ignore[attr-defined]
        self.fields["mediator"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]
