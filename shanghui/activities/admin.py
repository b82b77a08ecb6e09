"""Django admin: the data an administrator extends — kinds of activity and the volunteer star levels.
Activities, sign-ups and hours are changed through the pages (services and the workflow), never here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from shanghui.activities.models import ActivityKind, StarLevel


@admin.register(ActivityKind)
class ActivityKindAdmin(admin.ModelAdmin[ActivityKind]):
    list_display = ("name", "code", "counts_hours", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("name", "code")

    def has_delete_permission(self, request: HttpRequest, obj: ActivityKind | None = None) -> bool:
        # Activities refer to their kind: retire a kind by unticking 启用.
        return False


@admin.register(StarLevel)
class StarLevelAdmin(admin.ModelAdmin[StarLevel]):
    list_display = ("name", "min_hours")
