"""Forms of the citizen pages (/my/). They check shape only; the services check meaning (ID number,
offer of the item by the point, region) and their errors are put back on these fields."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shanghui.proxy.models import Rating
from shanghui.ui.forms import MarksInvalid

TEXT = {"class": "form-control form-control-lg"}


class MobileForm(MarksInvalid):
    mobile = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={**TEXT, "inputmode": "numeric", "autocomplete": "tel", "placeholder": _("11位手机号码")}
        ),
        error_messages={"required": _("请输入手机号码")},
    )


class CodeForm(MarksInvalid):
    mobile = forms.CharField(max_length=20, widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        widget=forms.TextInput(
            attrs={
                **TEXT,
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]*",
                "placeholder": _("6位数字"),
            }
        ),  # fmt: skip
        error_messages={"required": _("请输入短信验证码")},
    )


class ApplyForm(MarksInvalid):
    """The request of a citizen. Field names are those of services.Applicant and create_case, so the
    service's errors land on the right field."""

    proxy_point = forms.TypedChoiceField(
        label=_("选择代办点"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择一个代办点"), "invalid_choice": _("请选择一个代办点")},
    )
    name = forms.CharField(
        label=_("申请人姓名"), max_length=50, widget=forms.TextInput(attrs={**TEXT, "autocomplete": "name"})
    )
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=18,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off", "spellcheck": "false"}),
    )
    home_region_code = forms.ChoiceField(
        label=_("户籍所在区县"), widget=forms.Select(attrs={"class": "form-select form-select-lg"})
    )
    current_city = forms.CharField(label=_("现居城市"), max_length=40, widget=forms.TextInput(attrs=TEXT))
    current_address = forms.CharField(
        label=_("现居地址"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    note = forms.CharField(
        label=_("补充说明"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2, "placeholder": _("选填，如希望的送达方式")}),
    )  # fmt: skip
    poa_confirmed = forms.BooleanField(
        label=_("我已阅读并同意上述委托书，委托所选代办点代为办理"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        error_messages={"required": _("请阅读并确认委托书")},
    )
    # A uuid4 per rendered form; stored prefixed ("citizen:") in Case.idempotency_key (64 characters).
    idempotency_key = forms.CharField(max_length=48, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, points: list[tuple[int, str]], regions: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        if len(points) == 1:
            kwargs["initial"].setdefault("proxy_point", points[0][0])
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["proxy_point"]).choices = points
        cast(forms.ChoiceField, self.fields["home_region_code"]).choices = [("", gettext("请选择")), *regions]
        for name in ("name", "id_number", "current_city", "home_region_code"):
            self.fields[name].error_messages["required"] = f"请填写{self.fields[name].label}"
        self.fields["home_region_code"].error_messages["required"] = gettext("请选择户籍所在区县")
        self.fields["home_region_code"].error_messages["invalid_choice"] = gettext("请选择户籍所在区县")

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's ValidationError on the fields it names; the rest above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class RatingForm(MarksInvalid):
    level = forms.TypedChoiceField(
        label=_("您对本次代办服务的评价"),
        coerce=int,
        choices=Rating.Level.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择评价等级")},
    )
    comment = forms.CharField(
        label=_("评价内容（选填）"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )


class TrackForm(MarksInvalid):
    number = forms.CharField(
        label=_("办件编号"),
        max_length=20,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("请输入办件编号")},
    )
    code = forms.CharField(
        label=_("查询码"),
        max_length=12,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": _("请输入查询码")},
    )
