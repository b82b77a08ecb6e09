"""The forms every staff page builds on: Bootstrap styling, a service's errors put next to the fields,
the fields of Chinese identifiers, and the filter form of a list.

A page form subclasses BootstrapForm and renders with templates/ui/_field.html and _form_errors.html;
a list's filters subclass FilterForm and render with templates/ui/_filter_fields.html (see
shanghui/ui/listing.py for the rest of a list).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from shanghui.lib.validators import (
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)


def attach_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names; the rest above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class MarksInvalid(forms.Form):
    """`is-invalid` (the red border) and aria-invalid on the widgets of the fields that failed, whether
    the form's own cleaning or a service's error (add_error after is_valid) failed them. Staff forms get
    it through BootstrapForm; citizen forms, which style their widgets themselves, mix it in."""

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                classes = attrs.get("class", "").split()
                if "is-invalid" not in classes:
                    attrs["class"] = " ".join([*classes, "is-invalid"])
                attrs["aria-invalid"] = "true"


class BootstrapForm(MarksInvalid):
    """Bootstrap classes on every widget, and `is-invalid` on the fields that failed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css


class FilterForm(BootstrapForm):
    """The search and filters of a list, read from the query string. A subclass declares its fields and
    an `apply(rows)` that narrows a queryset by the fields that validated (a bad filter is shown as an
    error next to its field and ignored; the valid ones still apply).

    `audit_detail()` is what an export of the list was filtered by, for its audit row: the filters by
    value (objects by id), and only *whether* there was a search — never the search text itself, which
    may be a name or a mobile number."""

    search_field = "q"

    def audit_detail(self) -> dict[str, Any]:
        data = getattr(self, "cleaned_data", {})
        filters = {k: str(getattr(v, "pk", v)) for k, v in data.items() if v and k != self.search_field}
        return {"filters": filters, "search": bool(data.get(self.search_field))}


# --- Field types for Chinese identifiers: normalise what people type, then validate -----------------


class CreditCodeField(forms.CharField):
    """统一社会信用代码 (GB 32100): upper case, half-width, check character verified."""

    default_validators = [validate_credit_code]

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return normalize_credit_code(value) if value else value


class MobileField(forms.CharField):
    """A mainland mobile number: spaces, dashes and +86 taken off, 11 digits starting with 1."""

    default_validators = [validate_mobile]

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return normalize_mobile(value) if value else value


class IdNumberField(forms.CharField):
    """居民身份证号 (GB 11643): half-width, upper-case X, region, birth date and check character verified."""

    default_validators = [validate_id_number]

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return normalize_id_number(value) if value else value
