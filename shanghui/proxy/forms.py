"""Forms of the staff case pages: list filters, agent intake, one form per workflow action, materials,
follow-ups. They validate at the edge, in Chinese; the services and workflow.transition check again."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shanghui.catalog.models import Delivery
from shanghui.lib.bounds import DayField
from shanghui.orgs.models import FederationLevel, Organisation, OrgKind
from shanghui.proxy.effects import delivery_methods
from shanghui.proxy.models import Case, CaseMaterial, Result, Status
from shanghui.proxy.queries import CaseFilter
from shanghui.ui.forms import BootstrapForm, FilterForm, IdNumberField, MobileField
from shanghui.ui.widgets import PlainSelect

REQUIRED = "此项为必填项"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- The case list ------------------------------------------------------------------------------------


def _org_label(org: Organisation) -> str:
    return org.short_name or org.name


class CaseFilterForm(FilterForm):
    """The search and filters of the case list, read from the query string. Organisation choices are
    those the user's cases name, loaded in one query."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=40)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Status.choices]
    )
    item = forms.CharField(label=_("事项"), required=False, max_length=100)
    department = forms.ChoiceField(label=_("受理部门"), required=False, widget=PlainSelect)
    chamber = forms.ChoiceField(label=_("商会"), required=False, widget=PlainSelect)
    point = forms.ChoiceField(label=_("代办点"), required=False, widget=PlainSelect)
    window = forms.ChoiceField(label=_("受理窗口"), required=False, widget=PlainSelect)
    created_from = DayField(label=_("创建日期从"), required=False, widget=_date_input())
    created_to = DayField(label=_("创建日期至"), required=False, widget=_date_input())
    overdue = forms.BooleanField(label=_("仅看已超期"), required=False)
    queue = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, cases: QuerySet[Case], named: list[int] | None = None) -> None:
        """`named`: the departments and points the cases name when already known (from the statistics
        summaries: reading a million cases for them takes seconds); the windows offered are then those
        of these departments."""
        super().__init__(data)
        point_ids: QuerySet[Any, Any]
        if named is None:
            point_ids = cases.order_by().values("proxy_point_id")
            known = (
                Q(pk__in=cases.order_by().values("department_id"))
                | Q(pk__in=point_ids)
                | Q(pk__in=cases.order_by().filter(window__isnull=False).values("window_id"))
            )
        else:
            point_ids = Organisation.objects.filter(pk__in=named, kind=OrgKind.PROXY_POINT).values("pk")
            known = Q(pk__in=named) | Q(kind=OrgKind.WINDOW, parent_id__in=named)
        orgs = Organisation.objects.filter(
            known | Q(pk__in=Organisation.objects.filter(pk__in=point_ids).values("parent_id"))
        ).order_by("path")
        groups: dict[str, list[tuple[str, str]]] = {}
        for org in orgs:
            groups.setdefault(org.kind, []).append((str(org.pk), _org_label(org)))
        for name, kind, empty in (
            ("department", OrgKind.DEPARTMENT, gettext("全部部门")),
            ("chamber", OrgKind.CHAMBER, gettext("全部商会")),
            ("point", OrgKind.PROXY_POINT, gettext("全部代办点")),
            ("window", OrgKind.WINDOW, gettext("全部窗口")),
        ):
            choices = groups.get(kind, [])
            self.fields[name].choices = [("", empty), *choices]  # type: ignore[attr-defined]
            if len(choices) == 1:
                # One possible value (an agent's own point, a clerk's window): the filter would change
                # nothing, so it is not shown (a value in the address still applies).
                self.fields[name].widget = forms.HiddenInput()
        self.fields["q"].widget.attrs["placeholder"] = gettext("办件编号、申请人姓名或手机尾号4位")
        self.fields["item"].widget.attrs["placeholder"] = gettext("事项名称")
        self.fields["overdue"].widget.attrs["data-autosubmit"] = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("结束日期不能早于开始日期"))
        return data

    def apply(self, cases: QuerySet[Case], now: dt.datetime) -> QuerySet[Case]:
        self.is_valid()  # a bad filter is shown as an error and ignored; the valid ones still apply
        return self.case_filter().apply(cases, now)

    def case_filter(self) -> CaseFilter:
        """The valid filters (call is_valid() first)."""
        data = self.cleaned_data

        def org(name: str) -> int | None:
            return int(data[name]) if data.get(name) else None

        return CaseFilter(
            q=data.get("q") or "",
            status=data.get("status") or None,
            item_name=data.get("item") or "",
            department=org("department"),
            chamber=org("chamber"),
            point=org("point"),
            window=org("window"),
            overdue=bool(data.get("overdue")),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
        )


# --- Agent intake -------------------------------------------------------------------------------------


def county_choices(point: Organisation) -> list[tuple[str, str]]:
    """The counties of the point's city: county federations with a region code, under the same root."""
    rows = (
        Organisation.objects.filter(
            kind=OrgKind.FEDERATION,
            federation_level=FederationLevel.COUNTY,
            path__startswith=point.path[:10],
            is_active=True,
        )
        .exclude(region_code="")
        .order_by("region_code")
        .values_list("region_code", "name")
    )
    return [(code, name.removesuffix("工商联")) for code, name in rows]


class IntakeForm(BootstrapForm):
    """An agent enters a case for a citizen at the proxy point."""

    proxy_point = forms.ModelChoiceField(
        label=_("代办点"), queryset=Organisation.objects.none(), empty_label=None,
        error_messages={"required": _("请选择代办点"), "invalid_choice": _("请选择您所在的代办点")},
    )  # fmt: skip
    item = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": _("请选择要办理的事项")})
    # First: a returning applicant's number fills in the rest (proxy/returning.py, static/js/proxy.js).
    mobile = MobileField(label=_("手机号"), max_length=11, error_messages={"required": _("请填写手机号")})
    name = forms.CharField(
        label=_("申请人姓名"), max_length=50, error_messages={"required": _("请填写申请人姓名")}
    )
    id_number = IdNumberField(
        label=_("身份证号"), max_length=18, error_messages={"required": _("请填写身份证号")}
    )
    home_region_code = forms.ChoiceField(
        label=_("户籍所在区县"),
        error_messages={"required": _("请选择户籍所在区县"), "invalid_choice": _("请选择户籍所在区县")},
    )
    current_city = forms.CharField(
        label=_("现居城市"), max_length=40, error_messages={"required": _("请填写现居城市")}
    )
    current_address = forms.CharField(label=_("现居地址"), max_length=200, required=False)
    note = forms.CharField(
        label=_("申请说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    poa_confirmed = forms.BooleanField(
        label=_("申请人已阅读并确认上述委托书"), error_messages={"required": _("请阅读并确认委托书")}
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(
        self, data: Any = None, *, points: QuerySet[Organisation], point: Organisation, **kw: Any
    ) -> None:
        super().__init__(data, **kw)
        proxy_point = self.fields["proxy_point"]
        assert isinstance(proxy_point, forms.ModelChoiceField)
        proxy_point.queryset = points
        if points.count() <= 1:
            proxy_point.widget = forms.HiddenInput()
        self.fields["home_region_code"].choices = [("", gettext("请选择")), *county_choices(point)]  # type: ignore[attr-defined]
        self.fields["id_number"].widget.attrs.update(autocomplete="off", inputmode="text")
        self.fields["mobile"].widget.attrs.update(
            autocomplete="off",
            inputmode="numeric",
            **{"data-applicant-lookup": reverse("proxy:applicant_lookup")},
        )
        self.style_widgets()
        self.fields["poa_confirmed"].widget.attrs["class"] = "form-check-input"

    @staticmethod
    def new_key() -> str:
        return uuid.uuid4().hex

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"]
        if not re.fullmatch(r"[0-9a-f]{32}", key):
            raise forms.ValidationError(_("表单已失效，请刷新页面后重新填写"))
        return key


class ItemSearchForm(forms.Form):
    q = forms.CharField(label=_("搜索事项"), required=False, max_length=60)


# --- Workflow actions ------------------------------------------------------------------------------------


def _textarea(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ActionForm(BootstrapForm):
    """One workflow action on one case. `expected_status` is the status the page showed: if the case
    has moved on since, the action is refused as a conflict (workflow.transition)."""

    expected_status = forms.ChoiceField(
        choices=Status.choices, widget=forms.HiddenInput,
        error_messages={"required": _("页面已过期，请刷新后再操作"), "invalid_choice": _("页面已过期，请刷新后再操作")},
    )  # fmt: skip
    note = forms.CharField(label=_("备注"), required=False, max_length=1000, widget=_textarea())
    # Fields passed to workflow.transition as params (the rest are the form's own).
    param_fields: tuple[str, ...] = ()
    danger = False
    confirm: str | Promise = ""  # a question asked before the action (hx-confirm)

    def __init__(self, *args: Any, case: Case, action: str, **kwargs: Any) -> None:
        self.case = case
        self.action = action
        kwargs.setdefault("initial", {})["expected_status"] = case.status
        # Several action forms share the page: unique ids, plain field names.
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)
        self.setup()
        self.style_widgets()

    def setup(self) -> None:
        """Per-action choices and initial values."""

    def params(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name) for name in self.param_fields if self.cleaned_data.get(name)
        }


class CorrectionForm(ActionForm):
    correction_items = forms.CharField(
        label=_("需要补正的内容（每行一条）"), widget=_textarea(4), max_length=2000,
        error_messages={"required": _("请逐条写明需要补正的内容")},
    )  # fmt: skip
    param_fields = ("correction_items",)

    def setup(self) -> None:
        # Start from the materials the agent marked, and the required ones still missing.
        if self.is_bound:
            return
        lines = [
            f"{m.name}：{m.review_note}"
            for m in self.case.materials.all()
            if m.is_current and not m.is_result and m.review == CaseMaterial.Review.NEEDS_CORRECTION
        ]
        self.initial["correction_items"] = "\n".join(lines)

    def clean_correction_items(self) -> list[str]:
        items = [line.strip() for line in self.cleaned_data["correction_items"].splitlines() if line.strip()]
        if not items:
            raise forms.ValidationError(_("请逐条写明需要补正的内容"))
        return items


class ForwardForm(ActionForm):
    window = forms.ChoiceField(
        label=_("受理窗口"),
        error_messages={
            "required": _("请选择受理窗口"),
            "invalid_choice": _("请选择申请人户籍所在区县的受理窗口"),
        },
    )
    tracking_number = forms.CharField(
        label=_("纸质材料寄递单号（可选）"),
        required=False,
        max_length=40,
        help_text=_("同时邮寄纸质材料时填写"),
    )
    param_fields = ("window", "tracking_number")

    def setup(self) -> None:
        windows = forward_windows(self.case)
        self.windows = {str(w.pk): w for w in windows}
        self.fields["window"].choices = [(str(w.pk), w.name) for w in windows]  # type: ignore[attr-defined]
        if len(windows) == 1:
            self.initial.setdefault("window", str(windows[0].pk))
        else:
            self.fields["window"].choices.insert(0, ("", gettext("请选择")))  # type: ignore[attr-defined]

    def params(self) -> dict[str, Any]:
        params = super().params()
        # The window itself, as read for the choices: the transition need not read it again.
        params["window"] = self.windows[params["window"]]
        return params


def forward_windows(case: Case) -> list[Organisation]:
    """Windows of the case's department in the applicant's home county."""
    return list(
        Organisation.objects.filter(
            kind=OrgKind.WINDOW,
            parent_id=case.department_id,
            region_code=case.home_region_code,
            is_active=True,
        ).order_by("name")
    )


class AcceptForm(ActionForm):
    acceptance_number = forms.CharField(
        label=_("受理编号"), max_length=40, error_messages={"required": _("请填写受理编号")}
    )
    param_fields = ("acceptance_number",)


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("原因"), widget=_textarea(3), max_length=1000)
    param_fields = ("reason",)
    reason_label = _("原因")

    def setup(self) -> None:
        self.fields["reason"].label = self.reason_label
        self.fields["reason"].error_messages["required"] = gettext("请填写%(label)s") % {
            "label": self.reason_label
        }
        del self.fields["note"]  # the reason is the note of the timeline event


class RefuseForm(ReasonForm):
    reason_label = _("不予受理的理由")
    danger = True
    confirm = _("确定不予受理该办件吗？此操作不能撤销，理由将以短信告知申请人。")


class SuspendForm(ReasonForm):
    reason_label = _("中止原因")


class TerminateForm(ReasonForm):
    reason_label = _("终止原因")
    danger = True
    confirm = _("确定终止办理该办件吗？终止后不能恢复，原因将以短信告知申请人。")


class WithdrawForm(ActionForm):
    danger = True
    confirm = _("确定撤回该申请吗？撤回后办件结束。")

    def setup(self) -> None:
        self.fields["note"].label = gettext("撤回原因")


class CompleteForm(ActionForm):
    result = forms.ChoiceField(
        label=_("办理结果"), choices=Result.choices, widget=forms.RadioSelect,
        error_messages={"required": _("请选择办理结果：准予或不予")},
    )  # fmt: skip
    result_note = forms.CharField(label=_("结果说明"), required=False, max_length=1000, widget=_textarea())
    delivery_method = forms.ChoiceField(
        label=_("送达方式"),
        choices=[("", _("请选择")), *Delivery.choices],
        error_messages={
            "required": _("请选择送达方式"),
            "invalid_choice": _("该事项不提供这种送达方式，请选择事项允许的送达方式"),
        },
    )
    tracking_number = forms.CharField(
        label=_("寄递单号"), required=False, max_length=40, help_text=_("邮寄送达时必填")
    )
    result_file = forms.FileField(
        label=_("结果文书（可选）"), required=False, help_text=_("PDF 或图片，如批准文书、证照扫描件"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}),
    )  # fmt: skip
    param_fields = ("result", "result_note", "delivery_method", "tracking_number")

    def setup(self) -> None:
        # Only what the item allows (delivery_methods of the pinned version); one is chosen already.
        offered = delivery_methods(self.case)
        labels = dict(Delivery.choices)
        self.fields["delivery_method"].choices = [  # type: ignore[attr-defined]
            *([] if len(offered) == 1 else [("", gettext("请选择"))]),
            *((m, labels[m]) for m in offered),
        ]
        if len(offered) == 1:
            self.initial.setdefault("delivery_method", offered[0])

    def style_widgets(self) -> None:
        super().style_widgets()
        self.fields["result"].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("delivery_method") == Delivery.POST and not (data.get("tracking_number") or "").strip():
            self.add_error("tracking_number", _("邮寄送达请填写寄递单号"))
        return data


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "submit": ActionForm,
    "request_correction": CorrectionForm,
    "resubmit": ActionForm,
    "forward": ForwardForm,
    "accept": AcceptForm,
    "refuse": RefuseForm,
    "window_correction": CorrectionForm,
    "suspend": SuspendForm,
    "resume": ActionForm,
    "terminate": TerminateForm,
    "complete": CompleteForm,
    "deliver": ActionForm,
    "close": ActionForm,
    "withdraw": WithdrawForm,
}


# --- Materials -------------------------------------------------------------------------------------------


class UploadForm(forms.Form):
    slot = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("选择文件"), error_messages={"required": _("请选择要上传的文件"), "empty": _("文件是空的，请重新选择")},
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp", "class": "form-control form-control-sm"}
        ),
    )  # fmt: skip

    max_mb = settings.PROXY_MAX_UPLOAD_MB


class ReviewForm(BootstrapForm):
    review = forms.ChoiceField(
        label=_("审核结果"),
        choices=[
            (CaseMaterial.Review.ACCEPTED, _("合格")),
            (CaseMaterial.Review.NEEDS_CORRECTION, _("需补正")),
        ],
        error_messages={"required": _("请选择审核结果")},
    )
    note = forms.CharField(label=_("审核意见"), required=False, max_length=300)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("review") == CaseMaterial.Review.NEEDS_CORRECTION
            and not (data.get("note") or "").strip()
        ):
            self.add_error("note", _("请写明需要怎样补正"))
        return data


# --- Follow-ups ---------------------------------------------------------------------------------------------


class FollowUpMoveForm(forms.Form):
    text = forms.CharField(required=False, max_length=2000, widget=_textarea(2))
