from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shanghui.audit.actions import AuditAction, action_label
from shanghui.audit.models import AuditEntry
from shanghui.lib.bounds import DayField
from shanghui.ui.forms import FilterForm


def _start_of_day(day: dt.date) -> dt.datetime:
    # Dates are Beijing dates, as every page shows times in Asia/Shanghai.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditFilterForm(FilterForm):
    """The filters of the audit page (its template writes the markup itself)."""

    action = forms.ChoiceField(label=_("操作"), required=False)
    actor = forms.CharField(
        label=_("操作人"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": _("用户名或姓名"), "type": "search"}),
    )
    date_from = DayField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = DayField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = sorted(set(actions) | set(AuditAction.values))
        action_field = cast(forms.ChoiceField, self.fields["action"])
        action_field.choices = [("", gettext("全部操作")), *((code, action_label(code)) for code in codes)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data

    def filters(self) -> dict[str, str]:
        """The valid filters in use, as text (for the export's own audit row)."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return {}
        return {key: str(value) for key, value in self.cleaned_data.items() if value}

    def audit_detail(self) -> dict[str, Any]:
        """The export's audit row keeps every valid filter (filters())."""
        return {"filters": self.filters()}

    def apply(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        # Only the fields that validated: one bad date does not hide the whole log.
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("actor"):
            text = data["actor"].strip()
            entries = entries.filter(
                Q(actor__username__icontains=text)
                | Q(actor__name__icontains=text)
                # A deleted account is no longer joined: its username survives in actor_label ("id:username").
                | Q(actor_label__iendswith=f":{text}")
            )
        if data.get("date_from"):
            entries = entries.filter(created_at__gte=_start_of_day(data["date_from"]))
        if data.get("date_to"):
            entries = entries.filter(created_at__lt=_start_of_day(data["date_to"] + dt.timedelta(days=1)))
        return entries
