"""One tree of organisations and the memberships that give users roles in them.

    federation (city) ─┬─ federation (county) ─┬─ chamber ── proxy point
                       │                        │     └──── enterprise (member)
                       ├─ chamber ── proxy point
                       ├─ department ── window (at a county service centre)
                       └─ village (pairing)

A node's `path` is its ancestors' ids and its own, each zero-padded, so "everything below X" is one
indexed prefix match (`path__startswith=X.path`) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shanghui.lib.validators import is_valid_mobile, normalize_phone, phone_error, validate_credit_code

PATH_STEP = 10  # digits per level: room for 10**10 organisations


class OrgKind(models.TextChoices):
    FEDERATION = "federation", _("工商联")
    CHAMBER = "chamber", _("商会")
    PROXY_POINT = "proxy_point", _("代办点")
    DEPARTMENT = "department", _("部门")
    WINDOW = "window", _("受理窗口")
    ENTERPRISE = "enterprise", _("会员企业")
    VILLAGE = "village", _("结对村")


class FederationLevel(models.TextChoices):
    CITY = "city", _("市级")
    COUNTY = "county", _("县（市、区）级")


class ChamberKind(models.TextChoices):
    REMOTE = "remote", _("异地商会")
    INDUSTRY = "industry", _("行业商会")
    TOWNSHIP = "township", _("乡镇商会")
    STREET = "street", _("街道商会")
    OTHER = "other", _("其他商会")


# Which kinds of organisation may sit directly under which.
ALLOWED_PARENTS: dict[str, set[str | None]] = {
    OrgKind.FEDERATION: {None, OrgKind.FEDERATION},
    OrgKind.CHAMBER: {OrgKind.FEDERATION},
    OrgKind.PROXY_POINT: {OrgKind.CHAMBER},
    OrgKind.DEPARTMENT: {OrgKind.FEDERATION},
    OrgKind.WINDOW: {OrgKind.DEPARTMENT},
    OrgKind.ENTERPRISE: {OrgKind.CHAMBER},
    OrgKind.VILLAGE: {OrgKind.FEDERATION},
}


PUBLIC_PHONE_IS_LOGIN = "联系电话会公开显示（办事指南、回执），不能使用工作人员登录用的手机号，请填写办公电话"
LOGIN_IS_PUBLIC_PHONE = "该手机号是组织对外公开的联系电话，不能用作登录手机号"


def public_phone_error(phone: str) -> str | None:
    """Why `phone` (normalised) may not be an organisation's public contact number: it is someone's login
    mobile. Anyone who reads the service guide could otherwise use it as a login and fail on purpose."""
    from django.contrib.auth import get_user_model

    if is_valid_mobile(phone) and get_user_model().objects.filter(mobile=phone).exists():
        return PUBLIC_PHONE_IS_LOGIN
    return None


def is_public_phone(mobile: str) -> bool:
    """Whether a mobile number is some organisation's public contact number (so no login may use it)."""
    return bool(mobile) and Organisation.objects.filter(contact_phone=mobile).exists()


class Organisation(models.Model):
    kind = models.CharField(_("类型"), max_length=20, choices=OrgKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    # GB/T 2260 code of the region the organisation serves or sits in (a window's county, a
    # federation's city or county). Proxy cases use it for case numbers and routing.
    region_code = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    federation_level = models.CharField(
        _("工商联层级"), max_length=10, choices=FederationLevel.choices, blank=True
    )
    chamber_kind = models.CharField(_("商会类型"), max_length=20, choices=ChamberKind.choices, blank=True)
    city = models.CharField(
        _("所在城市"), max_length=40, blank=True, help_text=_("异地商会所在的城市，如 上海")
    )
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    description = models.TextField(_("简介"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["path"], name="orgs_organisation_path_unique"),
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="orgs_organisation_credit_code_unique",
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="orgs_organisation_sibling_name_unique"),
            # NULLs are distinct in a unique constraint: roots need their own.
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="orgs_organisation_root_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(chamber_kind="") | Q(kind="chamber"),
                name="orgs_organisation_chamber_kind_only_chamber",
            ),
        ]
        indexes = [models.Index(fields=["kind", "path"], name="orgs_org_kind_path_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        parent_kind = self.parent.kind if self.parent_id and self.parent else None
        if parent_kind not in ALLOWED_PARENTS.get(self.kind, set()):
            allowed = "、".join(
                str(OrgKind(k).label) if k else "（无上级）" for k in ALLOWED_PARENTS.get(self.kind, set())
            )
            raise ValidationError({"parent": f"{self.get_kind_display()}的上级组织只能是：{allowed}"})
        if self.kind == OrgKind.FEDERATION and not self.federation_level:
            raise ValidationError({"federation_level": "请选择工商联层级"})
        if self.kind == OrgKind.CHAMBER and not self.chamber_kind:
            raise ValidationError({"chamber_kind": "请选择商会类型"})
        if self.kind == OrgKind.ENTERPRISE and not self.credit_code:
            raise ValidationError({"credit_code": "会员企业必须填写统一社会信用代码"})
        if self.contact_phone:
            self.contact_phone = normalize_phone(self.contact_phone)
            if error := phone_error(self.contact_phone) or public_phone_error(self.contact_phone):
                raise ValidationError({"contact_phone": error})
        if self.region_code and (len(self.region_code) != 6 or not self.region_code.isdigit()):
            raise ValidationError({"region_code": "行政区划代码应为6位数字"})
        if self.pk and self.parent_id and self.parent and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": "不能把组织移到它自己的下级之下"})

    def ancestors(self) -> models.QuerySet[Organisation]:
        ids = [int(self.path[i : i + PATH_STEP]) for i in range(0, len(self.path) - PATH_STEP, PATH_STEP)]
        return Organisation.objects.filter(id__in=ids).order_by("depth")

    def descendants(self, *, include_self: bool = True) -> models.QuerySet[Organisation]:
        qs = Organisation.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def is_within(self, other: Organisation) -> bool:
        return self.path.startswith(other.path)

    @property
    def display_path(self) -> str:
        return " / ".join(org.short_name or org.name for org in self.ancestors()) or ""


class Role(models.TextChoices):
    FEDERATION_ADMIN = "federation_admin", _("工商联管理员")
    FEDERATION_STAFF = "federation_staff", _("工商联工作人员")
    CHAMBER_ADMIN = "chamber_admin", _("商会管理员")
    CHAMBER_STAFF = "chamber_staff", _("商会工作人员")
    AGENT = "agent", _("代办员")
    DEPARTMENT_ADMIN = "department_admin", _("部门管理员")
    WINDOW_CLERK = "window_clerk", _("窗口人员")
    MEDIATOR = "mediator", _("调解员")
    LECTURER = "lecturer", _("宣讲员")
    PARTY_OFFICER = "party_officer", _("党务工作者")
    AUDITOR = "auditor", _("审计员（只读）")


# The kinds of organisation in which each role may be held.
ROLE_ORG_KINDS: dict[str, set[str]] = {
    Role.FEDERATION_ADMIN: {OrgKind.FEDERATION},
    Role.FEDERATION_STAFF: {OrgKind.FEDERATION},
    Role.CHAMBER_ADMIN: {OrgKind.CHAMBER},
    Role.CHAMBER_STAFF: {OrgKind.CHAMBER},
    Role.AGENT: {OrgKind.PROXY_POINT},
    Role.DEPARTMENT_ADMIN: {OrgKind.DEPARTMENT},
    Role.WINDOW_CLERK: {OrgKind.WINDOW},
    Role.MEDIATOR: {OrgKind.FEDERATION, OrgKind.CHAMBER},
    Role.LECTURER: {OrgKind.FEDERATION, OrgKind.CHAMBER, OrgKind.ENTERPRISE},
    Role.PARTY_OFFICER: {OrgKind.FEDERATION, OrgKind.CHAMBER},
    Role.AUDITOR: {OrgKind.FEDERATION, OrgKind.CHAMBER, OrgKind.DEPARTMENT},
}

# Roles that administer the organisations and members below the organisation they hold them in.
ADMIN_ROLES = frozenset({Role.FEDERATION_ADMIN, Role.CHAMBER_ADMIN, Role.DEPARTMENT_ADMIN})
# Roles that may only read.
READ_ONLY_ROLES = frozenset({Role.AUDITOR})


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("成员角色")
        verbose_name_plural = _("成员角色")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="orgs_membership_unique"),
        ]
        indexes = [models.Index(fields=["organisation", "role"], name="orgs_membership_org_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"

    def clean(self) -> None:
        if self.organisation_id and self.organisation.kind not in ROLE_ORG_KINDS[self.role]:
            kinds = "、".join(str(OrgKind(k).label) for k in sorted(ROLE_ORG_KINDS[self.role]))
            raise ValidationError({"role": f"“{self.get_role_display()}”只能在以下组织中担任：{kinds}"})
