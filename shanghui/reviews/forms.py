"""The decision form of a chain's page and the delegation form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.lib.bounds import DayField
from shanghui.ui.forms import BootstrapForm


class DecisionForm(BootstrapForm):
    action = forms.ChoiceField(label=_("审查决定"), choices=())
    department = forms.TypedChoiceField(label=_("代表部门"), coerce=int, required=False, choices=())
    opinion = forms.CharField(
        label=_("审查意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(
        label=_("理由（有异议、需补充、退回时必填）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    to_step = forms.TypedChoiceField(label=_("退回到"), coerce=int, required=False, choices=())
    attachment = forms.FileField(label=_("附件"), required=False)
    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, actions: list[tuple[str, str]], departments: list[tuple[int, str]],
                 steps: list[tuple[int, str]], **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = actions  # type: ignore[attr-defined]
        if departments:
            self.fields["department"].choices = departments  # type: ignore[attr-defined]
        else:
            del self.fields["department"]
        if steps:
            self.fields["to_step"].choices = [("", gettext("上一步")), *steps]  # type: ignore[attr-defined]
        else:
            del self.fields["to_step"]
        self.style_widgets()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("action") in {"object", "ask_more", "send_back"}
            and not (data.get("reason") or "").strip()
        ):
            self.add_error("reason", _("请填写理由"))
        return data


class DelegationForm(BootstrapForm):
    deputy = forms.CharField(label=_("代理人用户名"), max_length=150)
    starts_on = DayField(label=_("开始日期"))
    ends_on = DayField(label=_("结束日期"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean_deputy(self) -> User:
        user = User.objects.filter(username=self.cleaned_data["deputy"], is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("没有这个用户"))
        return user
