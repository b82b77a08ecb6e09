"""Django admin for organisations, memberships and users (superusers' configuration screens).

Writes go through the services, as everywhere: an organisation saved here gets its path, a role
granted or revoked here is audited. ID numbers are never shown in clear.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.lib.validators import normalize_mobile, validate_mobile
from shanghui.orgs import services
from shanghui.orgs.models import Membership, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "kind", "parent", "city", "region_code", "is_active")
    list_filter = ("kind", "chamber_kind", "federation_level", "is_active")
    search_fields = ("name", "short_name", "credit_code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth", "created_at", "updated_at")
    ordering = ("path",)

    def save_model(
        self, request: HttpRequest, obj: Organisation, form: forms.ModelForm[Any], change: bool
    ) -> None:
        fields = {name: value for name, value in form.cleaned_data.items() if name in services.ORG_FIELDS}
        if change:
            saved = services.update_organisation(actor=request.user, org=obj, request=request, **fields)  # type: ignore[arg-type]  # admin users are accounts.User
        else:
            saved = services.create_organisation(actor=request.user, request=request, **fields)  # type: ignore[arg-type]  # admin users are accounts.User
        # The admin goes on with `obj` (its message, its log entry, the redirect): make it the saved row.
        obj.pk, obj.path, obj.depth = saved.pk, saved.path, saved.depth
        obj._state.adding = False

    def has_delete_permission(self, request: HttpRequest, obj: Organisation | None = None) -> bool:
        # Organisations are deactivated, never deleted: cases, members and the audit log point at them.
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("user", "organisation", "role", "title", "created_at")
    list_filter = ("role", "organisation__kind")
    search_fields = ("user__username", "user__name", "organisation__name")
    list_select_related = ("user", "organisation")
    autocomplete_fields = ("user", "organisation")

    def has_change_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        # A role is granted or revoked, never edited in place (the audit log records both).
        return False

    def save_model(
        self, request: HttpRequest, obj: Membership, form: forms.ModelForm[Any], change: bool
    ) -> None:
        saved = services.grant_role(
            actor=request.user,  # type: ignore[arg-type]  # admin users are accounts.User
            user=obj.user,
            organisation=obj.organisation,
            role=obj.role,
            title=obj.title,
            request=request,
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.revoke_role(actor=request.user, membership=obj, request=request)  # type: ignore[arg-type]  # admin users are accounts.User

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("user"):
            self.delete_model(request, membership)


def _clean_mobile(value: str | None) -> str | None:
    if not value:
        return None
    mobile = normalize_mobile(value)
    validate_mobile(mobile)
    return mobile


class AdminUserCreationForm(UserCreationForm[User]):
    # Longer than the column: "+86 180 0000 0001" is accepted and normalised by clean_mobile.
    mobile = forms.CharField(label=_("手机号"), max_length=20, required=False)

    class Meta:
        model = User
        fields = ("username", "name", "mobile")

    def clean_mobile(self) -> str | None:
        return _clean_mobile(self.cleaned_data.get("mobile"))


class AdminUserChangeForm(UserChangeForm[User]):
    mobile = forms.CharField(label=_("手机号"), max_length=20, required=False)

    class Meta:
        model = User
        fields = ("username", "name", "mobile", "email", "is_active", "is_staff", "is_superuser")

    def clean_mobile(self) -> str | None:
        return _clean_mobile(self.cleaned_data.get("mobile"))


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    list_display = ("username", "name", "masked_mobile_display", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("username", "name", "mobile", "email")
    ordering = ("username",)
    readonly_fields = ("masked_id_number_display", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("name", "mobile", "email", "masked_id_number_display")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "name", "mobile", "password1", "password2")}),
    )

    @admin.display(description="手机号")
    def masked_mobile_display(self, obj: User) -> str:
        return obj.masked_mobile

    @admin.display(description="身份证号")
    def masked_id_number_display(self, obj: User) -> str:
        # Revealing the full number is done on the member page, where it is audited.
        return obj.masked_id_number or "—"

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm[Any], change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Field names only: the values may be personal data (or a password).
        fields = sorted(name for name in form.changed_data if not name.startswith("password"))
        if change:
            record(
                actor=request.user,
                action=AuditAction.USER_UPDATE,
                obj=obj,
                request=request,
                detail={"fields": fields},
            )
        else:
            record(actor=request.user, action=AuditAction.USER_CREATE, obj=obj, request=request)
