"""Statistics for a period and an area: the figures from the summaries (whole months summed, the days
of a custom range's partial months counted from the cases) equal a recount from the cases, on SQLite
and PostgreSQL; an area outside the viewer's scope is refused with a Chinese error and counts
nothing; the Excel export says what it holds (title row with scope and period, widths, frozen
header)."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shanghui.accounts.models import User
from shanghui.orgs.models import Organisation
from shanghui.proxy import periods, queries, summaries
from shanghui.proxy.access import cases_for_user
from shanghui.proxy.models import Case
from shanghui.proxy.periods import Period
from shanghui.proxy.tests.test_stats_summary import busy  # noqa: F401  (the fixture)

BEIJING = ZoneInfo("Asia/Shanghai")
URL = reverse("proxy:stats")


def beijing(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=BEIJING)


@pytest.fixture
def spread(busy: SimpleNamespace) -> SimpleNamespace:  # noqa: F811
    """The busy world's cases moved to creation times over the past fifteen months, some a few minutes
    either side of a Beijing month boundary (in UTC they fall in the other month), then the summaries
    rebuilt as after seeding."""
    now = timezone.now()
    local = timezone.localtime(now, BEIJING)
    months = periods.last_months(now, 15)
    cases = list(Case.objects.order_by("pk"))
    for i, case in enumerate(cases):
        year, month = months[(i * 5) % len(months)]
        if i % 4 == 0:
            when = beijing(year, month, 1, 0, 10)  # 16:10 UTC the day before: the previous UTC month
        elif i % 4 == 1:
            nxt = periods.month_start(periods.next_month((year, month)))
            when = dt.datetime.combine(nxt, dt.time(0, 0), BEIJING) - dt.timedelta(minutes=5)
        else:
            when = beijing(year, month, min(10 + i, 28))
        when = min(when, now - dt.timedelta(minutes=1))
        Case.objects.filter(pk=case.pk).update(created_at=when)
    busy.now = now
    busy.today = local.date()
    summaries.rebuild()
    return busy


def recount(user: User, period: Period, area: Organisation | None, now: dt.datetime) -> queries.Statistics:
    cases = cases_for_user(user)
    if area is not None:
        cases = cases.filter(queries.area_viewer(area).q())
    return queries.case_statistics(cases, now, period)


def created_on(case: Case) -> dt.date:
    return timezone.localtime(case.created_at, BEIJING).date()


def sample_periods(now: dt.datetime) -> list[Period]:
    today = periods.today(now)
    past = periods.last_months(now, 15)
    first_day_of_month = today.replace(day=1)
    codes = ["all", "month", f"{past[-3][0]}-{past[-3][1]:02d}", f"{past[2][0]}-Q{(past[2][1] - 1) // 3 + 1}",
              str(today.year), str(today.year - 1)]  # fmt: skip
    chosen = [periods.parse(code, now) for code in codes]
    # Custom ranges: inside one past month; across months starting and ending mid-month; up to today;
    # on month boundaries exactly.
    m = periods.month_start(past[-5])
    chosen += [
        periods.parse("custom", now, m.replace(day=3), m.replace(day=20)),
        periods.parse("custom", now, m.replace(day=15), periods.month_start(past[-2]).replace(day=9)),
        periods.parse("custom", now, periods.month_start(past[-4]).replace(day=2), today),
        periods.parse("custom", now, m, first_day_of_month - dt.timedelta(days=1)),
    ]
    return chosen


PERSONAS = ("fed_admin", "county_admin", "chamber_admin", "agent", "dept_admin", "clerk", "two_points")
MORE = ("superuser", "auditor", "nested", "outsider")  # for two of the periods


def test_every_period_and_area_equals_a_recount_from_the_cases(spread: SimpleNamespace) -> None:
    now = spread.now
    for index, period in enumerate(sample_periods(now)):
        for persona in PERSONAS + (MORE if index in (0, 7) else ()):
            user = getattr(spread, persona)
            areas = [None, *queries.areas_for(user)]
            for area in areas:
                quick = queries.statistics_for(user, now, period, area)
                counted = recount(user, period, area, now)
                assert quick == counted, (persona, period, area)
                # And against the cases themselves, read in Python: created in the period, in scope.
                scope = cases_for_user(user)
                if area is not None:
                    scope = scope.filter(queries.area_viewer(area).q())
                expected = [
                    c
                    for c in scope
                    if period.start is None or period.start <= created_on(c) < period.bounded_end(now)
                ]
                assert quick.total == len(expected), (persona, period, area)


def test_the_periods_take_their_figures_from_the_summaries(spread: SimpleNamespace) -> None:
    # With the summaries current, the federation's figures for a past year come from its rows; if the
    # rows said otherwise, the page would show it. Changing a row changes the figure: not counted.
    now = spread.now
    year = periods.parse(str(spread.today.year - 1), now)
    before = queries.statistics_for(spread.fed_admin, now, year)
    row = summaries.CaseStat.objects.filter(viewer_id=spread.city.pk, key__startswith="s|").first()
    assert row is not None
    summaries.CaseStat.objects.filter(pk=row.pk).update(n=row.n + 1000)
    after = queries.statistics_for(spread.fed_admin, now, periods.ALL)
    assert after.total == queries.case_statistics(cases_for_user(spread.fed_admin), now).total + 1000
    assert before.total == recount(spread.fed_admin, year, None, now).total


def test_areas_offered_are_within_the_scope(spread: SimpleNamespace) -> None:
    w = spread
    assert set(queries.areas_for(w.fed_admin)) == {
        w.county,
        w.county2,
        w.chamber_a,
        w.chamber_b,
        w.dept,
        w.dept2,
    }
    assert set(queries.areas_for(w.county_admin)) == {w.chamber_b}
    assert set(queries.areas_for(w.nested)) == set(
        queries.areas_for(w.fed_admin)
    )  # the agent grant adds none
    assert list(queries.areas_for(w.agent)) == list(queries.areas_for(w.outsider)) == []
    assert list(queries.areas_for(w.chamber_admin)) == []  # its points are its whole scope
    assert set(queries.areas_for(w.dept_admin)) == set()
    for user, area in ((w.agent, w.chamber_b), (w.agent, w.chamber_a), (w.county_admin, w.chamber_a),
                       (w.chamber_admin, w.dept), (w.outsider, w.county)):  # fmt: skip
        with pytest.raises(queries.AreaRefused):
            queries.area_for(user, area.pk)
    for bad in (999999, 2**63, -1, "１x", None):
        with pytest.raises(queries.AreaRefused):
            queries.area_for(w.fed_admin, bad)


def test_choosing_a_period_and_an_area_on_the_page(client: Client, spread: SimpleNamespace) -> None:
    client.force_login(spread.fed_admin)
    all_time = client.get(URL)
    chamber = client.get(URL, {"period": "all", "area": spread.chamber_b.pk})
    this_month = client.get(URL, {"period": "month"})

    assert all_time.status_code == chamber.status_code == this_month.status_code == 200
    assert all_time.context["stats"].total == Case.objects.count()
    assert chamber.context["stats"].total == Case.objects.filter(proxy_point=spread.point_b).count()
    html = chamber.content.decode()
    assert 'data-testid="stats-scope-name">龙游在杭州商会<' in html
    today = spread.today
    label = f"{today.year}年{today.month}月"
    if (today + dt.timedelta(days=1)).day != 1:
        label += f"（截至{today.day}日）"
    assert this_month.context["stats"].period_label == label
    assert f'data-testid="stats-period">{label}<' in this_month.content.decode()
    # The status chart: bars whose numbers are text.
    assert html.count('data-testid="status-value"') == len(chamber.context["stats"].by_status)
    assert "<rect width=" in html


@pytest.mark.parametrize(
    ("persona", "query", "field", "message"),
    [
        ("agent", {"area": "chamber_b"}, "area", "所选地区不存在或不在您的管辖范围内"),
        ("agent", {"area": "chamber_a"}, "area", "所选地区不存在或不在您的管辖范围内"),
        ("county_admin", {"area": "chamber_a"}, "area", "所选地区不存在或不在您的管辖范围内"),
        ("fed_admin", {"area": "abc"}, "area", "所选地区不存在或不在您的管辖范围内"),
        ("fed_admin", {"period": "2026-13"}, "period", "无法识别的统计期间"),
        ("fed_admin", {"period": "custom"}, "start", "自定义期间请填写开始和结束日期"),
        ("fed_admin", {"period": "custom", "start": "2026-05-09", "end": "2026-05-01"}, "start",
         "结束日期不能早于开始日期"),
        ("fed_admin", {"period": "custom", "start": "2015-01-01", "end": "2026-01-01"}, "start",
         "自定义期间最长3年"),
    ],
)  # fmt: skip
def test_a_refused_filter_shows_a_chinese_error_and_no_figures(
    client: Client, spread: SimpleNamespace, persona: str, query: dict[str, str], field: str, message: str
) -> None:
    query = {
        k: str(getattr(spread, v).pk) if k == "area" and hasattr(spread, v) else v for k, v in query.items()
    }
    client.force_login(getattr(spread, persona))

    for export in ({}, {"export": "xlsx"}):
        response = client.get(URL, {**query, **export})

        assert response.status_code == 400
        assert response.context["stats"] is None
        html = response.content.decode()
        assert message in html and f'data-testid="error-{field}"' in html
        assert 'data-testid="stats-total"' not in html
    assert not summaries.CaseStat.objects.filter(key="stale").exists()


def test_an_outsider_sees_no_statistics(client: Client, spread: SimpleNamespace) -> None:
    client.force_login(spread.outsider)
    assert client.get(URL, {"area": spread.chamber_b.pk}).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302  # to the login page


def test_the_export_names_scope_and_period_and_is_readable(client: Client, spread: SimpleNamespace) -> None:
    client.force_login(spread.fed_admin)
    year = str(spread.today.year)

    response = client.get(URL, {"period": year, "area": spread.chamber_b.pk, "export": "xlsx"})

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    sheet = book["按事项"]
    title = str(sheet["A1"].value)
    assert title.startswith(f"代办统计　范围：龙游在杭州商会　期间：{year}年")
    assert [c.value for c in sheet[2]] == ["事项", "受理部门", "办件数（件）"]
    assert sheet.freeze_panes == "A3"  # the header row stays in view
    # Columns fit their content: the item column is wider than the Chinese item name (2 per character).
    longest = max(len(str(row[0])) for row in sheet.iter_rows(min_row=2, values_only=True))
    assert sheet.column_dimensions["A"].width >= 2 * longest
    assert sheet.column_dimensions["C"].width >= len("办件数（件）") * 2
    expected = recount(spread.fed_admin, periods.parse(year, spread.now), spread.chamber_b, spread.now)
    assert sum(int(str(row[2])) for row in sheet.iter_rows(min_row=3, values_only=True)) == sum(
        r.value for r in expected.by_item
    )
    months = [row for row in book["按月份"].iter_rows(min_row=3, values_only=True)]
    assert [m for m, _n in months] == [r.label for r in expected.by_month]


def test_period_labels_and_parts() -> None:
    now = dt.datetime(2026, 12, 3, 10, 0, tzinfo=BEIJING)
    month = periods.parse("month", now)
    assert month.label(now) == "2026年12月（截至3日）"
    assert [p.days for p in month.parts(now)] == [None]  # the current month so far: a whole month's rows
    assert periods.parse("2026-Q4", now).label(now) == "2026年第4季度（截至12月3日）"
    assert periods.parse("2026", now).label(now) == "2026年（截至12月3日）"
    assert periods.parse("2025", now).label(now) == "2025年"
    assert periods.parse("2026-11", now).label(now) == "2026年11月"
    custom = periods.parse("custom", now, dt.date(2026, 10, 15), dt.date(2026, 12, 3))
    assert custom.label(now) == "2026-10-15 至 2026-12-03"
    assert [(p.month, p.days) for p in custom.parts(now)] == [
        ((2026, 10), (dt.date(2026, 10, 15), dt.date(2026, 11, 1))),
        ((2026, 11), None),
        ((2026, 12), None),
    ]
    assert [custom.month_label(m, now) for m in custom.months(now)] == [
        "2026年10月（15日起）", "2026年11月", "2026年12月（截至3日）",
    ]  # fmt: skip
    inside = periods.parse("custom", now, dt.date(2026, 5, 3), dt.date(2026, 5, 20))
    assert inside.month_label((2026, 5), now) == "2026年5月（3日–20日）"
    far = periods.parse("custom", now, dt.date(2026, 11, 20), dt.date(9999, 12, 31))  # clamped to today
    assert far.label(now) == "2026-11-20 至 2026-12-03"
    for bad in ("2026-13", "2027", "1999", "x", "0000", "0000-05", "0000-Q1", "9999-12"):
        with pytest.raises(periods.PeriodError):
            periods.parse(bad, now)


def test_query_count_does_not_grow_with_a_period(
    client: Client, spread: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    client.force_login(spread.fed_admin)
    m = periods.month_start(periods.last_months(spread.now, 6)[0])
    with django_assert_max_num_queries(30):
        assert client.get(URL, {"period": "custom", "start": m.replace(day=5).isoformat(),
                                "end": spread.today.isoformat(), "area": spread.county2.pk}).status_code == 200  # fmt: skip
