from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shanghui.workdays import calendar
from shanghui.workdays.models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "source", "updated_at"]
    list_filter = ["kind", "source"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        # An administrator's entry is never overwritten by a re-seed from the package.
        obj.source = CalendarDay.Source.MANUAL
        super().save_model(request, obj, form, change)
        calendar.invalidate()

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        super().delete_model(request, obj)
        calendar.invalidate()
