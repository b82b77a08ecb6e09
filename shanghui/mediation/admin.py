"""The committees' configuration in the Django admin (superusers): committees, their admins and roster,
and the register of ties. Disputes are not here: they are confidential (pages and API, audited)."""

from __future__ import annotations

from django.contrib import admin

from shanghui.mediation.models import Committee, CommitteeMember, Tie


class MemberInline(admin.TabularInline[CommitteeMember, Committee]):
    model = CommitteeMember
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin[Committee]):
    list_display = ["name", "chamber", "head", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "chamber__name"]
    autocomplete_fields = ["chamber", "head"]
    inlines = [MemberInline]


@admin.register(Tie)
class TieAdmin(admin.ModelAdmin[Tie]):
    list_display = ["user", "enterprise_name", "credit_code", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["enterprise_name", "credit_code", "user__name", "user__username"]
    autocomplete_fields = ["user"]
