"""Forms of the staff catalogue pages. They validate at the edge, in Chinese; the services validate again."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.catalog.access import departments_for_user, editable_departments, import_owners
from shanghui.catalog.models import (
    Delivery,
    ImportJob,
    ItemType,
    LimitUnit,
    MaterialForm,
    ServiceItem,
    Synonym,
)
from shanghui.catalog.services import MaterialData
from shanghui.catalog.transfer.reading import MAX_FILE_BYTES
from shanghui.lib.bounds import ModelsField
from shanghui.orgs.forms import OrgChoiceField
from shanghui.orgs.models import Organisation
from shanghui.ui.forms import BootstrapForm, FilterForm

YES_NO_ALL = [("", _("全部")), ("1", _("是")), ("0", _("否"))]


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.short_name or obj.name


# --- the list ---------------------------------------------------------------------------------------


class ItemFilterForm(FilterForm):
    q = forms.CharField(label=_("名称或编码"), required=False, max_length=100)
    department = DepartmentChoiceField(
        label=_("实施部门"), queryset=Organisation.objects.none(), required=False, empty_label=_("全部部门")
    )
    item_type = forms.ChoiceField(
        label=_("事项类型"), required=False, choices=[("", _("全部")), *ItemType.choices]
    )
    proxy = forms.ChoiceField(label=_("可代办"), required=False, choices=YES_NO_ALL)
    online = forms.ChoiceField(label=_("在线"), required=False, choices=YES_NO_ALL)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments_for_user(user).order_by("path")
        for name in ("department", "item_type", "proxy", "online"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""

    def apply(self, items: QuerySet[ServiceItem]) -> QuerySet[ServiceItem]:
        if not self.is_valid():
            return items.none()
        data = self.cleaned_data
        if q := data.get("q", "").strip():
            items = items.filter(Q(name__icontains=q) | Q(code__icontains=q))
        if data.get("department"):
            items = items.filter(department=data["department"])
        if data.get("item_type"):
            items = items.filter(item_type=data["item_type"])
        if data.get("proxy"):
            items = items.filter(proxy_eligible=data["proxy"] == "1")
        if data.get("online"):
            items = items.filter(is_online=data["online"] == "1")
        return items


# --- item edit ---------------------------------------------------------------------------------------


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[;；,，、\s]+", text.strip()) if c]


class ItemForm(BootstrapForm):
    department = DepartmentChoiceField(label=_("实施部门"), queryset=Organisation.objects.none())
    name = forms.CharField(label=_("事项名称"), max_length=200)
    code = forms.CharField(label=_("实施编码"), max_length=80)
    item_type = forms.ChoiceField(label=_("事项类型"), choices=ItemType.choices)
    group_name = forms.CharField(label=_("主项名称"), max_length=200, required=False)
    description = forms.CharField(
        label=_("事项说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    conditions = forms.CharField(
        label=_("受理条件"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    legal_limit = forms.IntegerField(label=_("法定时限（天）"), required=False, min_value=1)
    legal_limit_unit = forms.ChoiceField(label=_("法定时限单位"), choices=LimitUnit.choices)
    promised_limit = forms.IntegerField(label=_("承诺时限（天）"), required=False, min_value=1)
    promised_limit_unit = forms.ChoiceField(label=_("承诺时限单位"), choices=LimitUnit.choices)
    fee_yuan = forms.DecimalField(
        label=_("收费金额（元）"),
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        initial=Decimal("0"),
    )
    fee_note = forms.CharField(label=_("收费说明"), max_length=200, required=False)
    delivery_methods = forms.MultipleChoiceField(
        label=_("送达方式"), choices=Delivery.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    proxy_eligible = forms.BooleanField(label=_("可由商会代办"), required=False, initial=True)
    region_codes = forms.CharField(
        label=_("办理区县"), required=False, help_text=_("6位行政区划代码，多个用分号分隔；留空表示所有区县")
    )
    is_online = forms.BooleanField(label=_("在线（群众可见）"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    error_messages = {"required": _("此项必填")}

    def __init__(self, *args: Any, user: User, item: ServiceItem | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = editable_departments(user).order_by("path")
        for name, f in self.fields.items():
            f.error_messages.setdefault("required", "请填写" + str(f.label or name))
            if isinstance(f, forms.IntegerField):
                f.error_messages["invalid"] = gettext("请输入整数")
                f.error_messages["min_value"] = gettext("应为正整数")
        self.fields["fee_yuan"].error_messages.update(
            {
                "invalid": gettext("请输入数字"),
                "min_value": gettext("不能为负数"),
                "max_decimal_places": gettext("最多两位小数"),
            }
        )
        self.fields["delivery_methods"].widget.attrs["class"] = "form-check-input"

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        taken = ServiceItem.objects.filter(code=code)
        if self.item is not None:
            taken = taken.exclude(pk=self.item.pk)
        if taken.exists():
            raise ValidationError(_("该实施编码已被其他事项使用"))
        return code

    def clean_delivery_methods(self) -> list[str]:
        chosen = set(self.cleaned_data.get("delivery_methods") or [])
        return [value for value in Delivery.values if value in chosen]  # in a stable order

    def clean_region_codes(self) -> list[str]:
        codes = _codes(self.cleaned_data.get("region_codes") or "")
        bad = [c for c in codes if not re.fullmatch(r"[0-9]{6}", c)]
        if bad:
            raise ValidationError(f"行政区划代码应为6位数字：{'、'.join(bad)}")
        return list(dict.fromkeys(codes))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        legal, promised = data.get("legal_limit"), data.get("promised_limit")
        if (
            legal
            and promised
            and data.get("legal_limit_unit") == data.get("promised_limit_unit")
            and promised > legal
        ):
            self.add_error("promised_limit", f"承诺时限不能超过法定时限（{legal}天）")
        return data

    def basic_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in ("department", "name", "code", "item_type", "group_name", "description", "conditions")
        ]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


def item_initial(item: ServiceItem) -> dict[str, Any]:
    return {
        "department": item.department_id, "name": item.name, "code": item.code, "item_type": item.item_type,
        "group_name": item.group_name, "description": item.description, "conditions": item.conditions,
        "legal_limit": item.legal_limit, "legal_limit_unit": item.legal_limit_unit,
        "promised_limit": item.promised_limit, "promised_limit_unit": item.promised_limit_unit,
        "fee_yuan": item.fee_yuan, "fee_note": item.fee_note, "delivery_methods": item.delivery_methods,
        "proxy_eligible": item.proxy_eligible, "region_codes": ";".join(item.region_codes or []),
        "is_online": item.is_online, "version": item.version,
    }  # fmt: skip


BLANK_FORM_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
MAX_BLANK_FORM_BYTES = 10 * 1024 * 1024
_FORBIDDEN_NAME = re.compile(r"[\[\]【】;；]")
_FORBIDDEN_NOTES = re.compile(r"[\[\]【】]")


class MaterialRowForm(BootstrapForm):
    name = forms.CharField(label=_("材料名称"), max_length=200)
    form = forms.ChoiceField(label=_("形式"), choices=MaterialForm.choices, initial=MaterialForm.ORIGINAL)
    copies = forms.IntegerField(label=_("份数"), min_value=1, max_value=99, initial=1)
    required = forms.BooleanField(label=_("必须"), required=False, initial=True)
    deferrable = forms.BooleanField(label=_("可容缺"), required=False)
    notes = forms.CharField(label=_("备注"), max_length=300, required=False)
    blank_form = forms.FileField(label=_("空白表格"), required=False)
    # The stored blank form of an existing material; the view accepts only names of this item's files.
    existing_blank_form = forms.CharField(widget=forms.HiddenInput, required=False)
    remove_blank_form = forms.BooleanField(label=_("删除表格"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = gettext("请填写材料名称")
        self.fields["copies"].error_messages.update(
            {
                "required": gettext("请填写份数"),
                "invalid": gettext("份数应为整数"),
                "min_value": gettext("份数至少为1"),
                "max_value": gettext("份数不能超过99"),
            }
        )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if _FORBIDDEN_NAME.search(name):
            raise ValidationError(_("材料名称中不能有方括号或分号（导入导出时用作分隔符）"))
        return name

    def clean_notes(self) -> str:
        notes = self.cleaned_data.get("notes", "").strip()
        if _FORBIDDEN_NOTES.search(notes):
            raise ValidationError(_("备注中不能有方括号"))
        return notes

    def clean_blank_form(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("blank_form")
        if not upload:
            return None
        if upload.size and upload.size > MAX_BLANK_FORM_BYTES:
            raise ValidationError(_("空白表格不能超过 10 MB"))
        head = upload.read(8)
        upload.seek(0)
        # Checked by content, not by name: PDF, Word or Excel (new or old format).
        if not head.startswith(BLANK_FORM_MAGIC):
            raise ValidationError(_("空白表格应为 PDF、Word 或 Excel 文件"))
        return upload

    def material(self, allowed_files: set[str]) -> MaterialData:
        data = self.cleaned_data
        existing = data.get("existing_blank_form") or ""
        blank_form: Any = existing if existing in allowed_files else ""
        if data.get("remove_blank_form"):
            blank_form = ""
        if data.get("blank_form"):
            blank_form = data["blank_form"]
        return MaterialData(
            name=data["name"], form=data["form"], copies=data["copies"], required=data["required"],
            deferrable=data["deferrable"], notes=data["notes"], blank_form=blank_form,
        )  # fmt: skip


MaterialFormSet = forms.formset_factory(
    MaterialRowForm, extra=0, can_delete=True, max_num=100, validate_max=True
)


def material_initial(item: ServiceItem) -> list[dict[str, Any]]:
    return [
        {
            "name": m.name,
            "form": m.form,
            "copies": m.copies,
            "required": m.required,
            "deferrable": m.deferrable,
            "notes": m.notes,
            "existing_blank_form": m.blank_form.name or "",
        }  # fmt: skip
        for m in item.materials.all()
    ]


def formset_materials(formset: Any, allowed_files: set[str]) -> list[MaterialData]:
    rows = []
    for form in formset.forms:
        if not form.has_changed() and form.empty_permitted:
            continue
        if formset.can_delete and formset._should_delete_form(form):
            continue
        rows.append(form.material(allowed_files))
    return rows


# --- synonyms ---------------------------------------------------------------------------------------


class SynonymForm(BootstrapForm):
    phrase = forms.CharField(
        label=_("群众说法"), max_length=50, help_text=_("群众怎么说，如：换身份证、sbk、提公积金")
    )
    terms = forms.CharField(
        label=_("对应规范用语"),
        max_length=200,
        help_text=_("目录中的用词，多个词用空格分隔，如：居民身份证 办理"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phrase"].error_messages["required"] = gettext("请填写群众说法")
        self.fields["terms"].error_messages["required"] = gettext("请填写对应的规范用语")


class SynonymFilterForm(FilterForm):
    q = forms.CharField(label=_("说法或用语"), required=False, max_length=50)

    def apply(self, synonyms: QuerySet[Synonym]) -> QuerySet[Synonym]:
        if self.is_valid() and (q := self.cleaned_data["q"].strip()):
            synonyms = synonyms.filter(Q(phrase__icontains=q) | Q(terms__icontains=q))
        return synonyms


# --- import -----------------------------------------------------------------------------------------


class ImportForm(BootstrapForm):
    file = forms.FileField(label=_("目录文件"), help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）"))
    mode = forms.ChoiceField(
        label=_("导入方式"), choices=ImportJob.Mode.choices, initial=ImportJob.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )  # fmt: skip
    owner = OrgChoiceField(label=_("导入到"), queryset=Organisation.objects.none(), empty_label=None)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = import_owners(user)
        # The federation the user administers at the top: the usual choice, and the only one for most.
        field.initial = field.queryset.values_list("pk", flat=True).first()
        self.fields["file"].error_messages["required"] = gettext("请选择要导入的文件")
        self.fields["file"].error_messages["empty"] = gettext("文件是空的")
        self.fields["mode"].widget.attrs["class"] = "form-check-input"
        if field.queryset.count() == 1:
            # The page sends the only choice as a hidden field; a client that leaves it out means it too.
            field.required = False

    def clean_owner(self) -> Organisation:
        owner = self.cleaned_data.get("owner")
        if owner is None:
            field = self.fields["owner"]
            assert isinstance(field, forms.ModelChoiceField) and field.queryset is not None
            owner = field.queryset.first()
        if owner is None:
            raise ValidationError(_("请选择导入到哪个工商联"))
        return owner

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_FILE_BYTES:
            raise ValidationError(f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，请分成几个文件导入")
        return upload


# --- proxy point offer ---------------------------------------------------------------------------------


class PointOfferForm(forms.Form):
    offers = forms.ChoiceField(
        label=_("提供的事项"),
        choices=[
            ("all", _("提供全部可代办事项（新上线的可代办事项自动加入）")),
            ("chosen", _("只提供选中的事项")),
        ],
        widget=forms.RadioSelect,
    )
    items = ModelsField(label=_("选中的事项"), queryset=ServiceItem.objects.none(), required=False)

    def __init__(self, *args: Any, items: QuerySet[ServiceItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["items"]
        assert isinstance(field, ModelsField)
        field.queryset = items
        field.error_messages["invalid_choice"] = gettext(
            "所选事项中有不可代办或已下线的事项，请刷新页面后重新选择"
        )
        self.fields["offers"].error_messages["required"] = gettext("请选择提供哪些事项")
        self.fields["offers"].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("offers") == "chosen" and not data.get("items"):
            self.add_error("items", _("请至少选择一个事项，或选择“提供全部可代办事项”"))
        return data
