"""The shared form pieces: Bootstrap classes and error marks, a service's errors next to their fields,
the identifier fields, and what a filter form tells an export's audit row."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError

from shanghui.lib.validators import id_check_char
from shanghui.ui.forms import (
    BootstrapForm,
    CreditCodeField,
    FilterForm,
    IdNumberField,
    MobileField,
    attach_errors,
)


class PersonForm(BootstrapForm):
    name = forms.CharField()
    kind = forms.ChoiceField(choices=[("a", "A")])
    active = forms.BooleanField(required=False)
    mobile = MobileField(required=False)
    id_number = IdNumberField(required=False)
    credit_code = CreditCodeField(required=False)


def css(form: forms.Form, name: str) -> str:
    return str(form.fields[name].widget.attrs["class"])


def test_widgets_get_bootstrap_classes_and_failed_fields_are_marked() -> None:
    form = PersonForm({"name": "", "kind": "a"})
    assert (css(form, "kind"), css(form, "active"), css(form, "mobile")) == (
        "form-select", "form-check-input", "form-control",
    )  # fmt: skip
    assert not form.is_valid()
    assert css(form, "name") == "form-control is-invalid"
    assert css(form, "kind") == "form-select"


def test_identifiers_are_normalised_then_validated() -> None:
    id_number = "11010519491231002" + id_check_char("11010519491231002")
    form = PersonForm(
        {"name": "张三", "kind": "a", "mobile": "+86 138-0000-1234", "id_number": f" {id_number.lower()} ",
         "credit_code": "91330802ma2abcde1" + "X"},
    )  # fmt: skip
    assert not form.is_valid()
    assert form.cleaned_data["mobile"] == "13800001234"
    assert form.cleaned_data["id_number"] == id_number.upper()
    assert "credit_code" in form.errors  # a wrong check character, in Chinese
    assert "校验" in form.errors["credit_code"][0]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("mobile", "1380000", "手机号"), ("id_number", "330802199013070017", "出生日期")],
)
def test_bad_identifiers_get_chinese_errors(field: str, value: str, message: str) -> None:
    form = PersonForm({"name": "张三", "kind": "a", field: value})
    assert not form.is_valid()
    assert message in form.errors[field][0]


def test_a_services_errors_go_next_to_the_fields_they_name() -> None:
    form = PersonForm({"name": "张三", "kind": "a"})
    assert form.is_valid()
    attach_errors(form, ValidationError({"name": "已有同名的人", "elsewhere": "别的问题"}))
    assert form.errors["name"] == ["已有同名的人"]
    assert form.non_field_errors() == ["别的问题"]
    form = PersonForm({"name": "张三", "kind": "a"})
    form.is_valid()
    attach_errors(form, ValidationError("整体的问题"))
    assert form.non_field_errors() == ["整体的问题"]


class ThingFilterForm(FilterForm):
    q = forms.CharField(required=False)
    kind = forms.ChoiceField(required=False, choices=[("", "全部"), ("a", "A")])

    def apply(self, rows: list[Any]) -> list[Any]:
        self.is_valid()
        return rows


def test_an_exports_audit_row_names_the_filters_but_never_the_search_text() -> None:
    form = ThingFilterForm({"q": "13800001234", "kind": "a"})
    form.apply([])
    assert form.audit_detail() == {"filters": {"kind": "a"}, "search": True}
    assert "13800001234" not in str(form.audit_detail())
    bad = ThingFilterForm({"kind": "zzz"})
    bad.apply([])
    assert bad.audit_detail() == {"filters": {}, "search": False}
