import datetime as dt

import pytest

from shanghui.lib.workdays import (
    BEIJING,
    WorkCalendar,
    add_calendar_days,
    add_working_days,
    end_of_day,
    working_days_between,
)
from shanghui.workdays import calendar
from shanghui.workdays.models import CalendarDay, DayKind


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=BEIJING)


@pytest.fixture
def cal(db):
    # The data migration seeds the table, but a transactional test elsewhere may have flushed it.
    calendar.seed_from_package()
    calendar.invalidate()
    return calendar.current()


def test_national_day_2026_is_seeded_with_its_make_up_working_days(cal):
    assert not cal.is_working_day(dt.date(2026, 10, 1))
    assert not cal.is_working_day(dt.date(2026, 10, 7))
    assert cal.is_working_day(dt.date(2026, 9, 20))  # Sunday, make-up working day
    assert cal.is_working_day(dt.date(2026, 10, 10))  # Saturday, make-up working day
    assert not cal.is_working_day(dt.date(2026, 10, 11))  # an ordinary Sunday


def test_working_days_skip_the_national_day_holiday_and_count_the_make_up_saturday(cal):
    # Accepted on Tuesday 29 September: the day itself does not count.
    # 30 Sep (1), 1–7 Oct holiday, 8 Oct (2), 9 Oct (3), Sat 10 Oct make-up (4), Mon 12 Oct (5).
    assert add_working_days(cal, at(2026, 9, 29), 5) == end_of_day(dt.date(2026, 10, 12))
    assert add_working_days(cal, at(2026, 9, 29), 1) == end_of_day(dt.date(2026, 9, 30))
    assert add_working_days(cal, at(2026, 9, 30, 23), 1) == end_of_day(dt.date(2026, 10, 8))


def test_a_time_late_in_the_beijing_day_is_still_that_day(cal):
    # 16:30 UTC on 29 Sep is 00:30 on 30 Sep in Beijing.
    late = dt.datetime(2026, 9, 29, 16, 30, tzinfo=dt.UTC)
    assert add_working_days(cal, late, 1) == end_of_day(dt.date(2026, 10, 8))


def test_calendar_days_ending_on_a_holiday_move_to_the_next_working_day(cal):
    # 25 Sep + 7 calendar days = 2 Oct, a holiday → 8 Oct.
    assert add_calendar_days(cal, at(2026, 9, 25), 7) == end_of_day(dt.date(2026, 10, 8))
    # 1 Sep + 10 = Fri 11 Sep, a working day: unchanged.
    assert add_calendar_days(cal, at(2026, 9, 1), 10) == end_of_day(dt.date(2026, 9, 11))


def test_working_days_between(cal):
    assert working_days_between(cal, dt.date(2026, 9, 29), dt.date(2026, 10, 12)) == 5
    assert working_days_between(cal, dt.date(2026, 10, 12), dt.date(2026, 10, 12)) == 0


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(WorkCalendar(), at(2026, 1, 5), -1)


def test_an_administrator_edit_takes_effect_and_survives_a_reseed(cal):
    # The 2027 schedule is published late in 2026: an administrator adds a day by hand.
    day = dt.date(2026, 12, 31)  # a Thursday
    assert cal.is_working_day(day)
    CalendarDay.objects.create(
        date=day, kind=DayKind.HOLIDAY, name="元旦（试）", source=CalendarDay.Source.MANUAL
    )
    calendar.invalidate()
    assert not calendar.current().is_working_day(day)
    calendar.seed_from_package()
    assert CalendarDay.objects.get(date=day).source == CalendarDay.Source.MANUAL


def test_reseeding_is_idempotent(cal):
    count = CalendarDay.objects.count()
    assert calendar.seed_from_package() == (0, 0)  # the fixture seeded already
    assert CalendarDay.objects.count() == count > 50
