"""Working-day arithmetic on China's official calendar.

A `WorkCalendar` knows the statutory holidays and the make-up working days (调休: weekend days that
are working days). Pure functions, no database: `shanghui.workdays.calendar.current()` builds the
calendar from the editable table.

Counting follows the rule of Chinese administrative law for periods (期间): the day on which a period
starts is not counted, and a period ends at the end of its last day (Beijing time). For calendar-day
periods, a last day that falls on a holiday or rest day moves to the next working day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[dt.date] = field(default_factory=frozenset)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        day += dt.timedelta(days=1)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(BEIJING).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of a Beijing day, as an aware datetime (the next midnight minus 1 µs)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=BEIJING) - dt.timedelta(
        microseconds=1
    )


def add_working_days(calendar: WorkCalendar, start: dt.datetime, days: int) -> dt.datetime:
    """The end of the `days`-th working day after the day of `start`."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = local_date(start)
    if days == 0:
        return end_of_day(day)
    for _ in range(days):
        day = calendar.next_working_day(day)
    return end_of_day(day)


def add_calendar_days(calendar: WorkCalendar, start: dt.datetime, days: int) -> dt.datetime:
    """The end of the `days`-th day after the day of `start`, moved to the next working day when
    that day is a holiday or a rest day."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = local_date(start) + dt.timedelta(days=days)
    if not calendar.is_working_day(day):
        day = calendar.next_working_day(day)
    return end_of_day(day)


def working_days_between(calendar: WorkCalendar, start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return count


def working_time_between(calendar: WorkCalendar, start: dt.datetime, end: dt.datetime) -> float:
    """The working time from `start` to `end`, in working days (Beijing days; the part of a working
    day inside the span counts as a fraction of it): 0 when end <= start."""
    if end <= start:
        return 0.0
    total = dt.timedelta(0)
    day = local_date(start)
    last = local_date(end)
    while day <= last:
        if calendar.is_working_day(day):
            day_start = dt.datetime.combine(day, dt.time.min, tzinfo=BEIJING)
            total += min(end, day_start + dt.timedelta(days=1)) - max(start, day_start)
        day += dt.timedelta(days=1)
    return total / dt.timedelta(days=1)
