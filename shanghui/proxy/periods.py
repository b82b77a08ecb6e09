"""The periods of the statistics: all time, a month, a quarter, a year or a custom range of days, in
Beijing dates. A period is the cases created in it; its figures are sums over its whole months (from
the summaries, proxy/summaries.py) and, for a custom range that starts or ends inside a month, the
cases of those few days counted directly (`Period.parts`).

A period is named by one code, the same on the page and in any link: "all", "month" (the current
month), "2026-11", "2026-Q4", "2026", or "custom" with the first and last day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

MAX_CUSTOM_DAYS = 3 * 366  # a custom range spans at most about three years (the month table's rows)
EARLIEST = dt.date(2000, 1, 1)

Month = tuple[int, int]


class PeriodError(ValueError):
    """A period that cannot be read; the message is for the person who chose it."""


def today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


def month_start(month: Month) -> dt.date:
    return dt.date(month[0], month[1], 1)


def next_month(month: Month) -> Month:
    year, number = month
    return (year, number + 1) if number < 12 else (year + 1, 1)


def months_between(first: Month, last: Month) -> list[Month]:
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def last_months(now: dt.datetime, count: int = 12) -> list[Month]:
    """The `count` months up to the current one, oldest first."""
    current = today(now)
    months = [(current.year, current.month)]
    while len(months) < count:
        year, number = months[-1]
        months.append((year, number - 1) if number > 1 else (year - 1, 12))
    return months[::-1]


@dataclass(frozen=True)
class Part:
    """A piece of a period: a whole month (`days` None) or some days inside one month."""

    month: Month
    days: tuple[dt.date, dt.date] | None = None  # first day, day after the last


@dataclass(frozen=True)
class Period:
    code: str
    start: dt.date | None = None  # first day; None: all time
    end: dt.date | None = None  # the day after the last

    @property
    def is_all(self) -> bool:
        return self.start is None

    def bounded_end(self, now: dt.datetime) -> dt.date:
        """The day after the period's last day that has already begun (nothing is created later)."""
        assert self.end is not None
        return min(self.end, today(now) + dt.timedelta(days=1))

    def months(self, now: dt.datetime) -> list[Month]:
        """The months the period touches, up to the current one (the rows of its month table)."""
        if self.start is None:
            return last_months(now)
        last = self.bounded_end(now) - dt.timedelta(days=1)
        if last < self.start:
            return []
        return months_between((self.start.year, self.start.month), (last.year, last.month))

    def parts(self, now: dt.datetime) -> list[Part]:
        """Whole months, and the days of a month the period covers only in part. A month counts as
        whole when the period covers it up to its end or up to today (no case is created later)."""
        if self.start is None:
            return []
        end = self.bounded_end(now)
        parts = []
        for month in self.months(now):
            first = month_start(month)
            after = month_start(next_month(month))
            lo, hi = max(first, self.start), min(after, end)
            whole = lo == first and (hi == after or hi == end == today(now) + dt.timedelta(days=1))
            parts.append(Part(month) if whole else Part(month, (lo, hi)))
        return parts

    def month_label(self, month: Month, now: dt.datetime, *, with_year: bool = True) -> str:
        """ "2026年12月", marked when the period holds only part of it: "12月（截至3日）"."""
        text = (
            _("%(year)s年%(month)s月") % {"year": month[0], "month": month[1]}
            if with_year
            else (_("%(month)s月") % {"month": month[1]})
        )
        first = month_start(month)
        after = month_start(next_month(month))
        lo = first if self.start is None else max(first, self.start)
        end = today(now) + dt.timedelta(days=1) if self.end is None else self.bounded_end(now)
        hi = min(after, end)
        if lo == first and hi == after:
            return text
        last = hi - dt.timedelta(days=1)
        if lo == first:
            return _("%(month)s（截至%(day)s日）") % {"month": text, "day": last.day}
        if hi == after:
            return _("%(month)s（%(day)s日起）") % {"month": text, "day": lo.day}
        return _("%(month)s（%(first)s日–%(last)s日）") % {"month": text, "first": lo.day, "last": last.day}

    def label(self, now: dt.datetime) -> str:
        """The period as the page's heading and the export's title show it."""
        if self.start is None or self.end is None:
            return _("全部时间")
        tomorrow = today(now) + dt.timedelta(days=1)
        until = min(self.end, tomorrow) - dt.timedelta(days=1)
        if self.code == "custom":
            return _("%(first)s 至 %(last)s") % {"first": self.start.isoformat(), "last": until.isoformat()}
        if self.end == month_start(next_month((self.start.year, self.start.month))):
            return self.month_label((self.start.year, self.start.month), now)
        if self.end.year == self.start.year + 1 and self.start.month == 1:
            text = _("%(year)s年") % {"year": self.start.year}
        else:
            text = _("%(year)s年第%(quarter)s季度") % {
                "year": self.start.year,
                "quarter": self.start.month // 3 + 1,
            }
        if self.end > tomorrow:
            return _("%(period)s（截至%(month)s月%(day)s日）") % {
                "period": text,
                "month": until.month,
                "day": until.day,
            }
        return text


ALL = Period("all")

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def parse(code: str, now: dt.datetime, first: dt.date | None = None, last: dt.date | None = None) -> Period:
    """The period a code names ("custom" takes the first and last day); PeriodError when it names
    none."""
    code = (code or "all").strip()
    current = today(now)
    if code == "all":
        return ALL
    if code == "month":
        start = current.replace(day=1)
        return Period(code, start, month_start(next_month((start.year, start.month))))
    if code == "custom":
        if first is None or last is None:
            raise PeriodError(_("自定义期间请填写开始和结束日期"))
        if last < first:
            raise PeriodError(_("结束日期不能早于开始日期"))
        last = min(last, current)  # days to come add nothing (and 9999-12-31 has no next day)
        if first < EARLIEST or first > current:
            raise PeriodError(_("开始日期应在 %(earliest)s 至今天之间") % {"earliest": EARLIEST.isoformat()})
        if (last - first).days >= MAX_CUSTOM_DAYS:
            raise PeriodError(_("自定义期间最长3年，请缩短或按年份查看"))
        return Period(code, first, last + dt.timedelta(days=1))
    match = _MONTH.match(code) or _QUARTER.match(code) or _YEAR.match(code)
    if match and not EARLIEST.year <= int(match[1]) <= current.year:
        raise PeriodError(_("统计期间应在 %(earliest)s 至今天之间") % {"earliest": EARLIEST.isoformat()})
    if match := _MONTH.match(code):
        year, number = int(match[1]), int(match[2])
        if 1 <= number <= 12:
            return _checked(Period(f"{year}-{number:02d}", dt.date(year, number, 1),
                                   month_start(next_month((year, number)))), current)  # fmt: skip
    elif match := _QUARTER.match(code):
        year, quarter = int(match[1]), int(match[2])
        start = dt.date(year, 3 * quarter - 2, 1)
        end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
        return _checked(Period(f"{year}-Q{quarter}", start, end), current)
    elif match := _YEAR.match(code):
        year = int(match[1])
        return _checked(Period(str(year), dt.date(year, 1, 1), dt.date(year + 1, 1, 1)), current)
    raise PeriodError(_("无法识别的统计期间"))


def _checked(period: Period, current: dt.date) -> Period:
    assert period.start is not None
    if period.start < EARLIEST or period.start > current:
        raise PeriodError(_("统计期间应在 %(earliest)s 至今天之间") % {"earliest": EARLIEST.isoformat()})
    return period


def choices(now: dt.datetime, years: int = 3) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods the page offers, grouped: the current month first, then recent months, quarters and
    years (any other month, quarter or year works as a code too)."""
    current = today(now)
    months = last_months(now, 12)[::-1]
    quarter_now = (current.month - 1) // 3 + 1
    quarters = []
    year, quarter = current.year, quarter_now
    for _i in range(4 * years):
        quarters.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return [
        ("", [("all", _("全部时间")), ("month", _("本月")), ("custom", _("自定义日期"))]),
        (
            _("月份"),
            [(f"{y}-{m:02d}", _("%(year)s年%(month)s月") % {"year": y, "month": m}) for y, m in months],
        ),
        (
            _("季度"),
            [
                (f"{y}-Q{q}", _("%(year)s年第%(quarter)s季度") % {"year": y, "quarter": q})
                for y, q in quarters
            ],
        ),
        (
            _("年度"),
            [(str(y), _("%(year)s年") % {"year": y}) for y in range(current.year, current.year - years, -1)],
        ),
    ]
