"""Federation and chamber staff on a 1440×900 desktop (issue 13, items 12 and 13): choosing a period
and an area on the statistics page changes the figures (the current month marked as partial, the
status chart as bars with their numbers); an area outside the person's scope is refused in Chinese;
the work page's 已超期 card, shown above the plain counts, opens the overdue queue."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shanghui.proxy import services, summaries
from shanghui.proxy.models import Case
from shanghui.proxy.workflow import AGENT, APPLICANT
from shanghui.testing.cases import pdf_upload
from tests.browser.conftest import login, watch_console

DESKTOP = {"width": 1440, "height": 900}


def desktop(new_page: Any, username: str, password: str) -> Any:
    page = new_page()
    page.set_viewport_size(DESKTOP)
    login(page, username, password)
    return page


@pytest.fixture
def world_cases(pw: Any) -> Any:
    """Three cases at 上海代办点 (chamber A), two at 杭州代办点 (chamber B), one of them created two
    months ago; an overdue forwarded case at the window."""
    now = timezone.now()
    for _ in range(2):
        pw.submitted()
    pw.late = pw.act(pw.submitted(), "forward", AGENT, window=pw.window)
    Case.objects.filter(pk=pw.late.pk).update(acceptance_due_at=now - dt.timedelta(days=3))
    for days in (0, 62):
        case = pw.new_case(proxy_point=pw.point_b, actor=pw.agent_b)
        services.add_material(case=case, actor=pw.agent_b, upload=pdf_upload(), slot=0)
        case = pw.act(case, "submit", APPLICANT)
        if days:
            Case.objects.filter(pk=case.pk).update(created_at=now - dt.timedelta(days=days))
    summaries.rebuild()
    return pw


def test_choosing_a_period_and_an_area_changes_the_figures(world_cases: Any, new_page: Any) -> None:
    page = desktop(new_page, "fed_admin", world_cases.password)
    errors = watch_console(page)
    page.goto("/cases/stats/")

    total = page.get_by_test_id("stats-total")
    expect(total).to_have_text("5")
    expect(page.get_by_test_id("stats-period")).to_have_text("全部时间")
    # The status chart: bars, each with its number as text beside it.
    bars = page.locator("[data-testid=status-row]")
    expect(bars.first.locator("svg rect")).to_have_count(1)
    expect(page.get_by_test_id("status-value").first).to_be_visible()

    page.get_by_label("地区", exact=True).select_option(label="龙游在杭州商会")
    page.get_by_test_id("stats-apply").click()
    expect(total).to_have_text("2")
    expect(page.get_by_test_id("stats-scope-name")).to_have_text("龙游在杭州商会")

    page.get_by_label("统计期间", exact=True).select_option("month")
    page.get_by_test_id("stats-apply").click()
    expect(total).to_have_text("1")  # the case of two months ago is not this month's
    today = timezone.localtime().date()
    label = f"{today.year}年{today.month}月"
    if (today + dt.timedelta(days=1)).day != 1:
        label += f"（截至{today.day}日）"
    expect(page.get_by_test_id("stats-period")).to_have_text(label)
    assert re.search(r"period=month", page.url) and re.search(r"area=\d+", page.url)
    # The export keeps the period and the area.
    href = page.get_by_test_id("stats-export").get_attribute("href") or ""
    assert "period=month" in href and "area=" in href and "export=xlsx" in href
    assert errors == []


def test_an_area_outside_the_scope_is_refused_in_chinese(world_cases: Any, new_page: Any) -> None:
    page = desktop(new_page, "agent", world_cases.password)
    page.goto(f"/cases/stats/?area={world_cases.chamber_b.pk}")

    summary = page.get_by_test_id("form-errors")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("所选地区不存在或不在您的管辖范围内")
    expect(page.get_by_test_id("stats-total")).to_have_count(0)


def test_the_overdue_card_opens_the_overdue_queue(world_cases: Any, new_page: Any) -> None:
    page = desktop(new_page, "clerk", world_cases.password)
    page.goto("/")

    action = page.locator("[data-action-card][data-card=cases-overdue]")
    expect(action).to_be_visible()
    expect(action.get_by_test_id("card-value")).to_have_text("1")
    # Above the plain counts, and within the first screen.
    box = action.bounding_box()
    assert box is not None and box["y"] + box["height"] <= DESKTOP["height"]
    counts = page.locator("[data-card=cases-followups]").bounding_box()
    assert counts is not None and box["y"] < counts["y"]
    expect(page.get_by_test_id("card-cases-today").get_by_test_id("card-item").first).to_contain_text(
        world_cases.late.number
    )

    action.click()

    expect(page).to_have_url(re.compile(r"/cases/\?queue=overdue$"))
    expect(page.get_by_test_id("queue-overdue")).to_have_attribute("aria-current", "page")
    expect(page.locator(f'[data-testid=case-row][data-case-id="{world_cases.late.pk}"]')).to_be_visible()
