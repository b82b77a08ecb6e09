"""Forms of the organisation and member pages. They validate at the edge, in Chinese; the writes
themselves happen in services, which validate the model again."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.forms.models import fields_for_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.lib.validators import normalize_mobile
from shanghui.orgs.access import (
    assignable_roles,
    organisations_administered_by,
    organisations_for_user,
    parent_choices_for_user,
    scope_for,
)
from shanghui.orgs.models import ChamberKind, FederationLevel, Membership, Organisation, OrgKind, Role
from shanghui.ui.forms import BootstrapForm, CreditCodeField, FilterForm, IdNumberField, MobileField

ACTIVE_CHOICES = [("", _("全部")), ("1", _("启用")), ("0", _("停用"))]


class OrgChoiceField(forms.ModelChoiceField):
    """Organisations in tree order, indented by depth, with their kind; a box above the list narrows it
    as the person types (static/js/app.js, `data-searchable`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"data-searchable": "", "data-search-label": _("输入名称筛选组织")})

    def label_from_instance(self, obj: Organisation) -> str:
        return f"{'　' * obj.depth}{obj.name}（{obj.get_kind_display()}）"


region_code_validator = RegexValidator(r"^[0-9]{6}$", _("行政区划代码应为6位数字"))


# --- Organisations ----------------------------------------------------------------------------------

# The fields each kind of organisation shows, between the common ones.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    OrgKind.FEDERATION: ("federation_level", "region_code"),
    OrgKind.CHAMBER: ("chamber_kind", "city", "credit_code"),
    OrgKind.PROXY_POINT: (),
    OrgKind.DEPARTMENT: (),
    OrgKind.WINDOW: ("region_code",),
    OrgKind.ENTERPRISE: ("credit_code",),
    OrgKind.VILLAGE: (),
}
REQUIRED_BY_KIND: dict[str, set[str]] = {
    OrgKind.FEDERATION: {"federation_level"},
    OrgKind.CHAMBER: {"chamber_kind"},
    OrgKind.WINDOW: {"region_code"},
    OrgKind.ENTERPRISE: {"credit_code"},
}
HEAD_FIELDS = ("name", "short_name", "parent")
TAIL_FIELDS = ("address", "contact_name", "contact_phone", "description", "is_active")


def organisation_initial(org: Organisation) -> dict[str, Any]:
    names = [*HEAD_FIELDS, *KIND_FIELDS.get(org.kind, ()), *TAIL_FIELDS]
    return {name: getattr(org, name) for name in names}


class OrganisationForm(BootstrapForm):
    """Create (instance None) or edit an organisation of one kind. The kind itself never changes
    on edit: the roles held in an organisation depend on it."""

    def __init__(
        self,
        data: Any = None,
        *,
        kind: str,
        user: User,
        instance: Organisation | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.user = user
        self.instance = instance
        super().__init__(data, initial=initial)
        names = [*HEAD_FIELDS, *KIND_FIELDS.get(kind, ()), *TAIL_FIELDS]
        fields = fields_for_model(Organisation, fields=names)
        parents = parent_choices_for_user(user).order_by("path")
        if instance is not None:
            # Not under itself or its own descendants.
            parents = parents.exclude(path__startswith=instance.path)
        superuser = scope_for(user).is_superuser
        fields["parent"] = OrgChoiceField(
            queryset=parents,
            label=_("上级组织"),
            required=not superuser,
            empty_label=_("（无上级）") if superuser else _("请选择上级组织"),
        )
        # Only someone who administers the current parent as well may move an organisation: a chamber
        # admin edits the chamber's record but does not move it to another federation.
        self.can_move = instance is None or (
            parents.filter(pk=instance.parent_id).exists() if instance.parent_id else superuser
        )
        if not self.can_move:
            del fields["parent"]
        if "credit_code" in fields:
            fields["credit_code"] = CreditCodeField(
                label=_("统一社会信用代码"), max_length=18, required=False
            )
        if "region_code" in fields:
            fields["region_code"] = forms.CharField(
                label=_("行政区划代码"),
                max_length=6,
                required=False,
                validators=[region_code_validator],
                help_text=_("6位数字，如 330802（柯城区）"),
            )
        fields["description"].widget.attrs["rows"] = 3
        fields["contact_phone"].help_text = _(
            "对外公开（办事指南、回执）：请填写办公电话，不要填写工作人员登录用的手机号"
        )
        for name in REQUIRED_BY_KIND.get(kind, set()):
            fields[name].required = True
        for name, choices in (
            ("federation_level", FederationLevel.choices),
            ("chamber_kind", ChamberKind.choices),
        ):
            if name in fields:
                field = fields[name]
                assert isinstance(field, forms.ChoiceField)
                field.choices = [("", _("请选择")), *choices]
        self.fields.update(fields)
        self.style_widgets()

    def clean_credit_code(self) -> str:
        code = self.cleaned_data.get("credit_code", "")
        others = Organisation.objects.filter(credit_code=code)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if code and others.exists():
            raise ValidationError(_("该统一社会信用代码已被其他组织使用"))
        return code

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        name = data.get("name")
        parent = data.get("parent", self.instance.parent if self.instance else None)
        if name and parent is not None:
            siblings = Organisation.objects.filter(parent=parent, name=name)
            if self.instance is not None:
                siblings = siblings.exclude(pk=self.instance.pk)
            if siblings.exists():
                self.add_error("name", _("同一上级组织下已有同名组织"))
        return data


class OrgFilterForm(FilterForm):
    """The search and filters of the organisation list, read from the query string."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部类型")), *OrgKind.choices])
    chamber_kind = forms.ChoiceField(
        label=_("商会类型"), required=False, choices=[("", _("全部商会类型")), *ChamberKind.choices]
    )
    under = OrgChoiceField(label=_("所属上级"), required=False, queryset=Organisation.objects.none())
    city = forms.ChoiceField(label=_("所在城市"), required=False)
    active = forms.ChoiceField(label=_("状态"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        visible = organisations_for_user(user)
        under = self.fields["under"]
        assert isinstance(under, OrgChoiceField)
        under.queryset = visible.filter(
            kind__in=[OrgKind.FEDERATION, OrgKind.CHAMBER, OrgKind.DEPARTMENT]
        ).order_by("path")
        under.empty_label = _("全部")
        cities = visible.exclude(city="").order_by("city").values_list("city", flat=True).distinct()
        self.fields["city"].choices = [("", _("全部城市")), *((c, c) for c in cities)]  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = _("名称、简称或统一社会信用代码")

    def apply(self, orgs: QuerySet[Organisation]) -> QuerySet[Organisation]:
        self.is_valid()  # a bad filter is shown as an error and ignored; the valid ones still apply
        data = self.cleaned_data
        q = (data.get("q") or "").strip()
        if q:
            orgs = orgs.filter(
                Q(name__icontains=q) | Q(short_name__icontains=q) | Q(credit_code__icontains=q.upper())
            )
        if data.get("kind"):
            orgs = orgs.filter(kind=data["kind"])
        if data.get("chamber_kind"):
            orgs = orgs.filter(chamber_kind=data["chamber_kind"])
        if data.get("under"):
            orgs = orgs.filter(path__startswith=data["under"].path)
        if data.get("city"):
            orgs = orgs.filter(city=data["city"])
        if data.get("active"):
            orgs = orgs.filter(is_active=data["active"] == "1")
        return orgs


# --- Members ----------------------------------------------------------------------------------------


class RoleChoiceForm(BootstrapForm):
    """An organisation the user administers and a role valid there (the roles follow the organisation)."""

    organisation = OrgChoiceField(label=_("所属组织"), queryset=Organisation.objects.none())
    role = forms.ChoiceField(
        label=_("角色"), error_messages={"invalid_choice": _("在所选组织中不能分配该角色")}
    )
    title = forms.CharField(label=_("职务"), required=False, max_length=50)

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        initial: dict[str, Any] | None = None,
        auto_id: str = "id_%s",
    ) -> None:
        self.user = user
        super().__init__(data, initial=initial, auto_id=auto_id)
        organisation = self.fields["organisation"]
        assert isinstance(organisation, OrgChoiceField)
        organisation.queryset = organisations_administered_by(user).order_by("path")
        organisation.empty_label = _("请选择组织")
        # With htmx, choosing an organisation reloads the role options valid there; without it, the
        # server answers a role that does not fit with an error next to the field.
        organisation.widget.attrs.update(
            {
                "hx-get": reverse("orgs:role_options"),
                "hx-trigger": "change",
                "hx-target": "#" + auto_id % "role",
                "hx-swap": "innerHTML",
            }
        )
        self.fields["role"].choices = role_choices(user, self.selected_organisation())  # type: ignore[attr-defined]

    def selected_organisation(self) -> Organisation | None:
        raw = self.data.get("organisation") if self.is_bound else self.initial.get("organisation")
        if isinstance(raw, Organisation):
            raw = raw.pk
        try:
            org_id = int(str(raw))
        except ValueError:
            return None
        return organisations_administered_by(self.user).filter(pk=org_id).first()


def role_choices(user: User, org: Organisation | None) -> list[tuple[str, str]]:
    if org is None:
        return [("", str(_("请先选择所属组织")))]
    return [("", str(_("请选择角色"))), *assignable_roles(user, org)]


class MemberCreateForm(RoleChoiceForm):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("用于登录，可用字母、数字和 @ . + - _"),
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    mobile = MobileField(label=_("手机号"), max_length=20)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    id_number = IdNumberField(
        label=_("身份证号"),
        required=False,
        max_length=30,
        help_text=_("选填；加密保存，页面上只显示部分号码"),
    )
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少8位，不能全是数字，不能与用户名、姓名过于相似"),
    )

    field_order = [
        "username", "name", "mobile", "email", "id_number", "password", "organisation", "role", "title",
    ]  # fmt: skip

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("该用户名已被使用"))
        return username

    def clean_mobile(self) -> str:
        mobile = self.cleaned_data["mobile"]
        if User.objects.filter(mobile=mobile).exists():
            raise ValidationError(_("该手机号已被其他账号使用"))
        return mobile

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        password = data.get("password")
        if password:
            probe = User(
                username=data.get("username", ""), name=data.get("name", ""), email=data.get("email", "")
            )
            try:
                validate_password(password, user=probe)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class GrantRoleForm(RoleChoiceForm):
    def __init__(
        self, data: Any = None, *, user: User, member: User, initial: dict[str, Any] | None = None
    ) -> None:
        self.member = member
        super().__init__(data, user=user, initial=initial, auto_id="id_grant_%s")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        org, role = data.get("organisation"), data.get("role")
        if org and role and Membership.objects.filter(user=self.member, organisation=org, role=role).exists():
            self.add_error("role", _("该成员已在此组织担任该角色"))
        return data


class MemberEditForm(BootstrapForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    mobile = MobileField(label=_("手机号"), max_length=20, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    is_active = forms.BooleanField(
        label=_("账号启用"), required=False, help_text=_("停用后该账号不能登录，角色保留")
    )
    password = forms.CharField(
        label=_("重置密码"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("留空则不修改密码"),
    )

    def __init__(self, data: Any = None, *, member: User, actor: User) -> None:
        self.member = member
        self.actor = actor
        initial: dict[str, Any] = {"name": member.name, "mobile": member.mobile or "", "email": member.email}
        initial["is_active"] = member.is_active
        super().__init__(data, initial=initial)

    def clean_mobile(self) -> str:
        mobile = self.cleaned_data["mobile"]
        if mobile and User.objects.filter(mobile=mobile).exclude(pk=self.member.pk).exists():
            raise ValidationError(_("该手机号已被其他账号使用"))
        return mobile

    def clean_is_active(self) -> bool:
        active = self.cleaned_data["is_active"]
        if not active and self.member.pk == self.actor.pk:
            raise ValidationError(_("不能停用自己的账号"))
        return active

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if password:
            validate_password(password, user=self.member)
        return password


class MemberFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    org = OrgChoiceField(label=_("所属组织（含下级）"), required=False, queryset=Organisation.objects.none())
    role = forms.ChoiceField(label=_("角色"), required=False, choices=[("", _("全部角色")), *Role.choices])
    active = forms.ChoiceField(label=_("状态"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        self.user = user
        org = self.fields["org"]
        assert isinstance(org, OrgChoiceField)
        # Villages hold no roles; everything else a member can belong to.
        org.queryset = organisations_for_user(user).exclude(kind=OrgKind.VILLAGE).order_by("path")
        org.empty_label = _("全部组织")
        self.fields["q"].widget.attrs["placeholder"] = _("姓名、用户名或手机号")

    def apply(self, members: QuerySet[User]) -> QuerySet[User]:
        self.is_valid()
        data = self.cleaned_data
        q = (data.get("q") or "").strip()
        if q:
            members = members.filter(member_search_q(q))
        if data.get("org") or data.get("role"):
            # Both conditions on the same membership, and only memberships the viewer may see: a filter
            # on a role must not reveal a role someone holds outside the viewer's organisations.
            held = Membership.objects.filter(scope_for(self.user).subtree_q("organisation"))
            if data.get("org"):
                held = held.filter(organisation__path__startswith=data["org"].path)
            if data.get("role"):
                held = held.filter(role=data["role"])
            members = members.filter(pk__in=held.values("user_id"))
        if data.get("active"):
            members = members.filter(is_active=data["active"] == "1")
        return members


_MASKED_MOBILE = re.compile(r"^(1[0-9]{2})\*+([0-9]{4})$")


def member_search_q(q: str) -> Q:
    """Name or username contain `q`; or the mobile matches it, but only on what the masked number
    shows (180****1999: the first three or last four digits) or on the whole number. Matching any
    run of digits would let a reader recover the hidden middle digits one search at a time."""
    condition = Q(name__icontains=q) | Q(username__icontains=q)
    digits = normalize_mobile(q)
    masked = _MASKED_MOBILE.match(q.replace(" ", ""))
    if masked:
        condition |= Q(mobile__startswith=masked[1], mobile__endswith=masked[2])
    elif digits.isdigit():
        if len(digits) == 11:
            condition |= Q(mobile=digits)
        elif len(digits) <= 3:
            condition |= Q(mobile__startswith=digits) | Q(mobile__endswith=digits)
        elif len(digits) == 4:
            condition |= Q(mobile__endswith=digits)
    return condition
