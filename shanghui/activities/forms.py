"""The forms of the activity pages (staff and volunteers), and the filters of the lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shanghui.activities.models import (
    Activity,
    ActivityKind,
    BeneficiaryKind,
    Certificate,
    HourRecord,
    HourState,
    Risk,
    Slot,
    Status,
    Venue,
    VenueKind,
    Volunteer,
)
from shanghui.lib.bounds import DayField
from shanghui.orgs.forms import OrgChoiceField
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.ui.forms import BootstrapForm, FilterForm, IdNumberField, MobileField

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LocalDateTimeField(forms.DateTimeField):
    widget = LOCAL
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

    def to_python(self, value: Any) -> dt.datetime | None:
        result = super().to_python(value)
        if result is not None and not 1900 <= result.year <= 2999:
            raise forms.ValidationError(_("日期超出范围"))
        return result


class ActivityForm(BootstrapForm):
    organisation = OrgChoiceField(label=_("主办组织"), queryset=Organisation.objects.none())
    kind = forms.ModelChoiceField(label=_("活动类型"), queryset=ActivityKind.objects.filter(is_active=True))
    title = forms.CharField(label=_("活动名称"), max_length=100)
    description = forms.CharField(
        label=_("活动内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    venue = forms.ModelChoiceField(label=_("活动场地"), required=False, queryset=Venue.objects.none())
    place = forms.CharField(label=_("地点说明"), required=False, max_length=200)
    starts_at = LocalDateTimeField(label=_("开始时间"))
    ends_at = LocalDateTimeField(label=_("结束时间"))
    beneficiary_kind = forms.ChoiceField(
        label=_("服务对象类型"), required=False, choices=BeneficiaryKind.choices
    )
    beneficiary_org = forms.ModelChoiceField(
        label=_("服务对象（结对村）"),
        required=False,
        queryset=Organisation.objects.filter(kind=OrgKind.VILLAGE),
    )
    beneficiary = forms.CharField(label=_("服务对象"), required=False, max_length=100)
    risk = forms.ChoiceField(label=_("风险等级"), choices=Risk.choices, initial=Risk.LOW)
    insurance_policy = forms.CharField(
        label=_("意外保险保单号"),
        required=False,
        max_length=60,
        help_text=_("中、高风险活动必填（《志愿服务条例》第十七条）"),
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20)
    cancel_deadline = LocalDateTimeField(label=_("取消报名截止"), required=False)
    auto_confirm = forms.BooleanField(label=_("报名自动确认"), required=False, initial=True)

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation], venues: QuerySet[Venue], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["venue"].queryset = venues  # type: ignore[attr-defined]
        self.fields["beneficiary_org"].widget.attrs["data-testid"] = "beneficiary-org"

    def activity_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("organisation", None)
        data["beneficiary_kind"] = data.get("beneficiary_kind") or ""
        return data


class SlotForm(BootstrapForm):
    role = forms.CharField(label=_("岗位"), max_length=40)
    starts_at = LocalDateTimeField(label=_("岗位开始"), required=False, help_text=_("不填则同活动时间"))
    ends_at = LocalDateTimeField(label=_("岗位结束"), required=False)
    quantity = forms.IntegerField(label=_("人数"), min_value=1, max_value=10000)
    skills = forms.CharField(label=_("技能要求"), required=False, max_length=100)
    training = forms.CharField(label=_("须完成的培训"), required=False, max_length=60)
    min_age = forms.IntegerField(label=_("最低年龄"), required=False, min_value=1, max_value=100)


class NewActivityForm(ActivityForm):
    """The activity with its first slot."""

    slot_role = forms.CharField(label=_("岗位"), max_length=40, initial=_("志愿者"))
    slot_quantity = forms.IntegerField(label=_("岗位人数"), min_value=1, max_value=10000, initial=10)


class SeriesForm(BootstrapForm):
    organisation = OrgChoiceField(label=_("主办组织"), queryset=Organisation.objects.none())
    kind = forms.ModelChoiceField(label=_("活动类型"), queryset=ActivityKind.objects.filter(is_active=True))
    title = forms.CharField(label=_("活动名称"), max_length=100)
    venue = forms.ModelChoiceField(label=_("活动场地"), required=False, queryset=Venue.objects.none())
    weekdays = forms.TypedMultipleChoiceField(
        label=_("每周"), coerce=int, widget=forms.CheckboxSelectMultiple,
        choices=[(1, _("周一")), (2, _("周二")), (3, _("周三")), (4, _("周四")), (5, _("周五")), (6, _("周六")), (7, _("周日"))],
    )  # fmt: skip
    interval = forms.IntegerField(label=_("每隔几周"), min_value=1, max_value=8, initial=1)
    start_time = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    first_day = DayField(label=_("首次日期"), widget=DATE)
    last_day = DayField(label=_("截止日期"), widget=DATE)
    quantity = forms.IntegerField(label=_("每场人数"), min_value=1, max_value=10000, initial=30)
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20)

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation], venues: QuerySet[Venue], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["venue"].queryset = venues  # type: ignore[attr-defined]
        self.fields["weekdays"].widget.attrs["class"] = "form-check-input"


class ReasonForm(BootstrapForm):
    reason = forms.CharField(label=_("原因"), max_length=200)


class AddPersonForm(BootstrapForm):
    slot = forms.ModelChoiceField(label=_("岗位"), queryset=Slot.objects.none())
    mobile = MobileField(label=_("手机号"), max_length=20)
    name = forms.CharField(label=_("姓名"), max_length=50)

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = activity.slots.all()  # type: ignore[attr-defined]


class MoveForm(BootstrapForm):
    slot = forms.ModelChoiceField(label=_("调到岗位"), queryset=Slot.objects.none())

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = activity.slots.all()  # type: ignore[attr-defined]


class QuantityForm(BootstrapForm):
    quantity = forms.IntegerField(label=_("人数"), min_value=1, max_value=10000)


class VenueForm(BootstrapForm):
    organisation = OrgChoiceField(label=_("所属组织"), queryset=Organisation.objects.none())
    kind = forms.ChoiceField(label=_("类型"), choices=VenueKind.choices)
    name = forms.CharField(label=_("名称"), max_length=80)
    address = forms.CharField(label=_("地址"), max_length=200)
    capacity = forms.IntegerField(label=_("容纳人数"), required=False, min_value=1, max_value=100000)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class TeamForm(BootstrapForm):
    organisation = OrgChoiceField(label=_("所属组织"), queryset=Organisation.objects.none())
    name = forms.CharField(label=_("队伍名称"), max_length=60)
    description = forms.CharField(
        label=_("简介"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class ProfileForm(BootstrapForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = IdNumberField(
        label=_("身份证号"),
        required=False,
        max_length=18,
        help_text=_("用于志愿服务证明和年龄要求，加密保存"),
    )
    skills = forms.CharField(
        label=_("技能"), required=False, max_length=200, help_text=_("如：急救、驾驶、摄影，用顿号分隔")
    )
    trainings = forms.CharField(label=_("已完成培训"), required=False, max_length=200)


class CorrectionForm(BootstrapForm):
    hours = forms.DecimalField(
        label=_("应为（小时）"), min_value=0, max_value=24, decimal_places=1, max_digits=4
    )
    reason = forms.CharField(label=_("更正理由"), max_length=200)


class CertificateRequestForm(BootstrapForm):
    organisation = forms.ModelChoiceField(label=_("出具单位"), queryset=Organisation.objects.none())
    period_start = DayField(label=_("服务期间自"), widget=DATE)
    period_end = DayField(label=_("服务期间至"), widget=DATE)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


# --- List filters ------------------------------------------------------------------------------------------


class ActivityFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Status.choices]
    )
    kind = forms.ModelChoiceField(
        label=_("类型"), required=False, queryset=ActivityKind.objects.all(), empty_label=_("全部类型")
    )
    organisation = OrgChoiceField(label=_("主办组织"), required=False, queryset=Organisation.objects.none())
    start = DayField(label=_("开始日期自"), required=False, widget=DATE)
    end = DayField(label=_("至"), required=False, widget=DATE)

    def __init__(self, data: Any, *, organisations: QuerySet[Organisation]) -> None:
        super().__init__(data)
        field = self.fields["organisation"]
        field.queryset = organisations  # type: ignore[attr-defined]
        field.empty_label = _("全部")  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = _("活动名称、地点或服务对象")

    def apply(self, rows: QuerySet[Activity]) -> QuerySet[Activity]:
        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            rows = rows.filter(
                Q(title__icontains=q)
                | Q(place__icontains=q)
                | Q(beneficiary__icontains=q)
                | Q(venue__name__icontains=q)
            )
        if data.get("status"):
            rows = rows.filter(status=data["status"])
        if data.get("kind"):
            rows = rows.filter(kind=data["kind"])
        if data.get("organisation"):
            rows = rows.filter(organisation__path__startswith=data["organisation"].path)
        if data.get("start"):
            rows = rows.filter(starts_at__date__gte=data["start"])
        if data.get("end"):
            rows = rows.filter(starts_at__date__lte=data["end"])
        return rows


class HourFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *HourState.choices]
    )
    organisation = OrgChoiceField(label=_("主办组织"), required=False, queryset=Organisation.objects.none())
    start = DayField(label=_("服务日期自"), required=False, widget=DATE)
    end = DayField(label=_("至"), required=False, widget=DATE)

    def __init__(self, data: Any, *, organisations: QuerySet[Organisation]) -> None:
        super().__init__(data)
        field = self.fields["organisation"]
        field.queryset = organisations  # type: ignore[attr-defined]
        field.empty_label = _("全部")  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = _("志愿者姓名或活动名称")

    def apply(self, rows: QuerySet[HourRecord]) -> QuerySet[HourRecord]:
        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            rows = rows.filter(Q(volunteer__name__icontains=q) | Q(activity__title__icontains=q))
        if data.get("state"):
            rows = rows.filter(state=data["state"])
        if data.get("organisation"):
            rows = rows.filter(organisation__path__startswith=data["organisation"].path)
        if data.get("start"):
            rows = rows.filter(served_on__gte=data["start"])
        if data.get("end"):
            rows = rows.filter(served_on__lte=data["end"])
        return rows


class VolunteerFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.fields["q"].widget.attrs["placeholder"] = _("姓名或手机号")

    def apply(self, rows: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
        self.is_valid()
        if q := (self.cleaned_data.get("q") or "").strip():
            rows = rows.filter(Q(name__icontains=q) | Q(mobile=q))
        return rows


class CertificateFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    void = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), ("0", _("有效")), ("1", _("已作废"))]
    )

    def apply(self, rows: QuerySet[Certificate]) -> QuerySet[Certificate]:
        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            rows = rows.filter(Q(number__icontains=q) | Q(volunteer__name__icontains=q))
        if data.get("void"):
            rows = rows.filter(void=data["void"] == "1")
        return rows


class FinderForm(forms.Form):
    """The volunteer's activity finder: near a date, by chamber, by kind."""

    day = DayField(label=_("日期"), required=False, widget=DATE)
    organisation = forms.ModelChoiceField(
        label=_("商会"), required=False, queryset=Organisation.objects.none(), empty_label=_("全部")
    )
    kind = forms.ModelChoiceField(
        label=_("类型"),
        required=False,
        queryset=ActivityKind.objects.filter(is_active=True),
        empty_label=_("全部"),
    )

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.fields["organisation"].queryset = (  # type: ignore[attr-defined]
            Organisation.objects.filter(
                kind__in=[OrgKind.CHAMBER, OrgKind.FEDERATION], activities__status=Status.PUBLISHED
            )
            .distinct()
            .order_by("path")
        )
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )
