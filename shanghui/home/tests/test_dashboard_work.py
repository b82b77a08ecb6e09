"""The work page of everyone who sees proxy cases (agent, clerk, chamber, federation): what asks for
action (已超期, 即将超期) first, linking to the filtered queues; today's list, the clock that runs out
first on top; trends of new cases per week and per month equal to a recount."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shanghui.home.dashboard import TREND_WEEKS, cards_for
from shanghui.proxy import summaries
from shanghui.proxy.access import cases_for_user
from shanghui.proxy.models import Case
from shanghui.proxy.periods import last_months
from shanghui.proxy.workflow import AGENT

H = dt.timedelta(hours=1)


@pytest.fixture
def desk(pw: SimpleNamespace) -> SimpleNamespace:
    """A forwarded case overdue at the window, one due within the hour, one submitted (the agent's
    to-do), and older cases created weeks and months ago (written directly, then a rebuild)."""
    now = timezone.now()
    pw.late = pw.act(pw.submitted(), "forward", AGENT, window=pw.window)
    Case.objects.filter(pk=pw.late.pk).update(acceptance_due_at=now - 30 * H)
    pw.soon = pw.act(pw.submitted(), "forward", AGENT, window=pw.window)
    Case.objects.filter(pk=pw.soon.pk).update(acceptance_due_at=now + H)
    pw.todo = pw.submitted()
    Case.objects.filter(pk=pw.todo.pk).update(review_due_at=now + 100 * H)
    for days in (9, 20, 40, 75, 130, 400):
        old = pw.new_case()
        Case.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=days))
    summaries.rebuild()
    pw.now = now
    return pw


def by_key(user: Any) -> dict[str, Any]:
    return {card.key: card for card in cards_for(user)}


@pytest.mark.parametrize("persona", ["agent", "clerk", "chamber_admin", "fed_admin"])
def test_what_needs_action_comes_first_and_links_to_its_queue(
    client: Client, desk: SimpleNamespace, persona: str
) -> None:
    client.force_login(getattr(desk, persona))

    html = client.get(reverse("home:index")).content.decode()

    section = html.index('data-testid="needs-action"')
    overdue = html.index('data-card="cases-overdue"')
    due_soon = html.index('data-card="cases-due_soon"')
    counts = [
        html.index(f'data-card="{key}"') for key in ("cases-followups",) if f'data-card="{key}"' in html
    ]
    assert section < overdue < min(counts) and section < due_soon < min(counts)
    assert f'href="{reverse("proxy:list")}?queue=overdue"' in html
    cards = by_key(getattr(desk, persona))
    assert cards["cases-overdue"].kind == cards["cases-due_soon"].kind == "action"
    expected = "0" if persona == "agent" else "1"  # the window's clock is not the agent's
    assert cards["cases-overdue"].value == cards["cases-due_soon"].value == expected
    assert cards["cases-overdue"].tone == ("" if persona == "agent" else "danger")


def test_today_lists_the_most_urgent_first(desk: SimpleNamespace) -> None:
    clerk = by_key(desk.clerk)["cases-today"]
    agent = by_key(desk.agent)["cases-today"]
    federation = by_key(desk.fed_admin)["cases-today"]

    assert [item.url for item in clerk.items] == [
        reverse("proxy:detail", args=[desk.late.pk]),
        reverse("proxy:detail", args=[desk.soon.pk]),
    ]
    assert "已超期（时限" in clerk.items[0].note and clerk.items[1].note.endswith("到期")
    assert [item.url for item in agent.items] == [reverse("proxy:detail", args=[desk.todo.pk])]  # 待预审
    assert [item.url for item in federation.items][:2] == [item.url for item in clerk.items]
    assert by_key(desk.chamber_admin_b)["cases-today"].items == []


@pytest.mark.parametrize("persona", ["agent", "clerk", "chamber_admin", "fed_admin", "county_admin"])
def test_the_trends_equal_a_recount(desk: SimpleNamespace, persona: str) -> None:
    user = getattr(desk, persona)
    cards = by_key(user)
    local = [timezone.localtime(c) for c in cases_for_user(user).values_list("created_at", flat=True)]
    today = timezone.localtime(desk.now).date()
    first_week = today - dt.timedelta(days=today.weekday(), weeks=TREND_WEEKS - 1)
    weekly = [bar.value for bar in cards["cases-weekly"].bars]
    assert len(weekly) == TREND_WEEKS
    assert weekly == [
        sum(
            1
            for t in local
            if first_week + dt.timedelta(weeks=i) <= t.date() < first_week + dt.timedelta(weeks=i + 1)
        )
        for i in range(TREND_WEEKS)
    ]
    monthly = [bar.value for bar in cards["cases-monthly"].bars]
    assert monthly == [sum(1 for t in local if (t.year, t.month) == m) for m in last_months(desk.now, 6)]
    assert all(0 <= bar.percent <= 100 for bar in cards["cases-monthly"].bars)


def test_the_trends_of_separate_grants_are_counted_from_the_cases(desk: SimpleNamespace) -> None:
    from shanghui.orgs.models import Role
    from shanghui.testing.personas import person

    two = person("two_points", (desk.point_a, Role.AGENT), (desk.point_b, Role.AGENT))
    local = [timezone.localtime(c) for c in cases_for_user(two).values_list("created_at", flat=True)]
    monthly = [bar.value for bar in by_key(two)["cases-monthly"].bars]
    assert monthly == [sum(1 for t in local if (t.year, t.month) == m) for m in last_months(desk.now, 6)]


def test_the_trend_bars_have_their_numbers_as_text(client: Client, desk: SimpleNamespace) -> None:
    client.force_login(desk.fed_admin)
    html = client.get(reverse("home:index")).content.decode()
    assert html.count('data-testid="trend-value"') == TREND_WEEKS + 6
    assert '<caption class="visually-hidden">' in html


def test_no_case_cards_for_an_outsider_or_a_mediator(desk: SimpleNamespace) -> None:
    assert cards_for(desk.outsider) == []
    assert not any(key.startswith("cases-") for key in by_key(desk.mediator))
