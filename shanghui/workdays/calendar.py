"""The working-day calendar from the database, cached per process and refreshed when edited."""

from __future__ import annotations

import datetime as dt
import threading
import time

from django.db import transaction
from django.db.models import Count, Max

from shanghui.lib.workdays import WorkCalendar
from shanghui.workdays.models import CalendarDay, DayKind

_lock = threading.Lock()
_cached: tuple[object, WorkCalendar] | None = None
_checked_at = 0.0
# How often a process looks at the table for edits (seconds).
RECHECK_SECONDS = 5.0


def _stamp() -> object:
    row = CalendarDay.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return (row["n"], row["latest"])


def _load() -> WorkCalendar:
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (holidays if kind == DayKind.HOLIDAY else workdays).add(day)
    return WorkCalendar(holidays=frozenset(holidays), makeup_workdays=frozenset(workdays))


def current() -> WorkCalendar:
    """The calendar in force. Edits made by an administrator are seen within RECHECK_SECONDS."""
    global _cached, _checked_at
    now = time.monotonic()
    if _cached is not None and now - _checked_at < RECHECK_SECONDS:
        return _cached[1]
    with _lock:
        stamp = _stamp()
        if _cached is None or _cached[0] != stamp:
            _cached = (stamp, _load())
        _checked_at = now
        return _cached[1]


def invalidate() -> None:
    global _cached
    with _lock:
        _cached = None


@transaction.atomic
def seed_from_package(*, years: list[int] | None = None) -> tuple[int, int]:
    """Load holidays and make-up working days from the `chinesecalendar` package. Rows an
    administrator entered (source manual) are kept. Returns (created, updated)."""
    import chinese_calendar

    created = updated = 0
    wanted = set(years) if years else None
    manual = set(CalendarDay.objects.filter(source=CalendarDay.Source.MANUAL).values_list("date", flat=True))
    rows: list[tuple[dt.date, str, str]] = []
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:  # a holiday on a weekend changes nothing
            rows.append((day, DayKind.HOLIDAY, str(name)))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            rows.append((day, DayKind.WORKDAY, str(name)))
    existing = {row.date: row for row in CalendarDay.objects.filter(source=CalendarDay.Source.PACKAGE)}
    for day, kind, name in rows:
        if (wanted and day.year not in wanted) or day in manual:
            continue
        row = existing.get(day)
        if row is None:
            CalendarDay.objects.create(date=day, kind=kind, name=name, source=CalendarDay.Source.PACKAGE)
            created += 1
        elif row.kind != kind or row.name != name:
            row.kind, row.name = kind, name
            row.save(update_fields=["kind", "name", "updated_at"])
            updated += 1
    transaction.on_commit(invalidate)
    return created, updated
