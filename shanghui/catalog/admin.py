"""The catalogue in the Django admin: read-only. Items, synonyms, offers and imports are changed on the
staff pages (/catalog/manage/), whose services keep the versions, the search index and the audit log
right; an admin form would bypass them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from shanghui.catalog.models import ImportJob, ItemVersion, Material, ProxyPointCatalog, ServiceItem, Synonym


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [f.name for f in self.model._meta.get_fields() if f.concrete and not f.many_to_many] + [
            f.name for f in self.model._meta.many_to_many
        ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = readonly_fields = (
        "position",
        "name",
        "form",
        "copies",
        "required",
        "deferrable",
        "notes",
        "blank_form",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "code",
        "department",
        "item_type",
        "proxy_eligible",
        "is_online",
        "version",
        "updated_at",
    ]
    list_filter = ["item_type", "proxy_eligible", "is_online"]
    search_fields = ["name", "code"]
    list_select_related = ["department"]
    inlines = [MaterialInline]


@admin.register(ItemVersion)
class ItemVersionAdmin(ReadOnlyAdmin):
    list_display = ["item", "number", "created_at", "created_by"]
    list_select_related = ["item", "created_by"]
    search_fields = ["item__name", "item__code"]


@admin.register(Synonym)
class SynonymAdmin(ReadOnlyAdmin):
    list_display = ["phrase", "terms", "is_active", "updated_at"]
    search_fields = ["phrase", "terms"]


@admin.register(ProxyPointCatalog)
class ProxyPointCatalogAdmin(ReadOnlyAdmin):
    list_display = ["proxy_point", "offers_all", "updated_at"]
    list_select_related = ["proxy_point"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "owner", "mode", "status", "total_rows", "created_count", "created_at"]
    list_filter = ["status", "mode"]
    list_select_related = ["owner"]
