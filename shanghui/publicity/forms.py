from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shanghui.ui.forms import BootstrapForm


class ObjectionForm(BootstrapForm):
    item_key = forms.ChoiceField(label=_("异议对象"), required=False, choices=())
    name = forms.CharField(
        label=_("您的姓名"), max_length=50, help_text=_("实名反映，仅工作人员可见，严格保密")
    )
    contact = forms.CharField(label=_("联系方式"), max_length=50, help_text=_("手机或电话，仅用于核实情况"))
    text = forms.CharField(label=_("异议内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, items: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["item_key"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("（整体）")),
            *((str(i.get("key", "")), str(i.get("name", ""))) for i in items),
        ]
        self.style_widgets()


class AnswerForm(BootstrapForm):
    answer = forms.CharField(label=_("答复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    upheld = forms.BooleanField(label=_("异议成立（该对象不予确定）"), required=False)
