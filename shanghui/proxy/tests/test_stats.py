"""The statistics page per scope, its Excel export, and the case queue cards on the home page: the
figures are right, limited to what the user sees, and cost a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shanghui.audit.models import AuditEntry
from shanghui.home.dashboard import cards_for
from shanghui.proxy import services, summaries
from shanghui.proxy.access import cases_for_user
from shanghui.proxy.models import Case, Status
from shanghui.proxy.queries import case_statistics
from shanghui.proxy.workflow import AGENT, APPLICANT
from shanghui.testing.cases import pdf_upload

H = dt.timedelta(hours=1)


@pytest.fixture
def figures(pw: SimpleNamespace) -> SimpleNamespace:
    """Four cases of 上海代办点 with known times, and one of 杭州代办点 (chamber B):

    on_time   reviewed in 2h (due 24h), accepted in 10h (due 48h), completed in 30h (due 100h),
              delivered, rated 非常满意
    late      reviewed in 30h (due 24h), accepted in 50h (due 48h), completed in 200h (due 100h),
              delivered, rated 非常不满意 (a follow-up, overdue)
    refused   reviewed in 4h, refused by the window
    draft     never submitted
    b_case    chamber B's case, submitted (its review clock overdue)
    """
    now = timezone.now()
    t0 = now - dt.timedelta(days=20)

    def delivered() -> Case:
        return pw.case_in(
            "delivered", params={"accept": {"acceptance_number": "A"}}, by={"deliver": APPLICANT}
        )

    def stamp(
        case: Case, start: dt.datetime, review: float, accept: float | None, complete: float | None
    ) -> None:
        fields: dict[str, Any] = {
            "created_at": start, "submitted_at": start, "review_due_at": start + 24 * H,
            "forwarded_at": start + review * H, "acceptance_due_at": start + (review + 48) * H,
        }  # fmt: skip
        if accept is not None:
            accepted = start + (review + accept) * H
            fields |= {"accepted_at": accepted, "processing_due_at": accepted + 100 * H}
        if complete is not None and accept is not None:
            fields |= {"completed_at": start + (review + accept + complete) * H}
            fields |= {"delivered_at": start + (review + accept + complete + 5) * H}
        Case.objects.filter(pk=case.pk).update(**fields)

    pw.on_time = delivered()
    stamp(pw.on_time, t0, 2, 10, 30)
    services.rate_case(case=pw.on_time, level=5)
    pw.late = delivered()
    stamp(pw.late, t0, 30, 50, 200)
    services.rate_case(case=pw.late, level=1, comment="太慢")
    pw.refused = pw.case_in("refused", params={"refuse": {"reason": "不属于本窗口受理范围"}})
    stamp(pw.refused, t0, 4, None, None)
    pw.draft = pw.new_case()
    pw.b_case = pw.new_case(proxy_point=pw.point_b, actor=pw.agent_b)
    services.add_material(case=pw.b_case, actor=pw.agent_b, upload=pdf_upload(), slot=0)
    pw.b_case = pw.act(pw.b_case, "submit", APPLICANT)
    Case.objects.filter(pk=pw.b_case.pk).update(review_due_at=now - H)
    from shanghui.proxy.models import FollowUp

    FollowUp.objects.update(due_at=now - H)
    # The times above were stamped past the services, which keep the statistics summaries current.
    summaries.rebuild()
    return pw


def test_the_figures_of_the_federation(figures: SimpleNamespace) -> None:
    stats = case_statistics(cases_for_user(figures.fed_admin))

    assert stats.total == 5
    by_status = {r.label: r.value for r in stats.by_status}
    assert by_status["已送达"] == 2 and by_status["不予受理"] == 1 and by_status["草稿"] == 1
    assert by_status["待预审"] == 1
    assert [(r.label, r.value) for r in stats.by_department] == [("衢州市公安局", 5)]
    assert [(r.label, r.value) for r in stats.by_item] == [("居民身份证办理（包括临时）", 5)]
    assert [(r.label, r.value) for r in stats.by_chamber] == [("衢州在上海商会", 4), ("龙游在杭州商会", 1)]
    assert len(stats.by_month) == 12 and sum(r.value for r in stats.by_month) == 5
    today = timezone.localtime().date()
    partial = "" if (today + dt.timedelta(days=1)).day == 1 else f"（截至{today.day}日）"
    assert stats.by_month[-1].label == f"{today.year}年{today.month}月{partial}"  # the current month, marked

    review, acceptance, processing = stats.on_time
    assert (review.finished, review.on_time, review.rate) == (3, 2, 66.7)
    assert (acceptance.finished, acceptance.on_time, acceptance.rate) == (2, 1, 50.0)
    assert (processing.finished, processing.on_time, processing.rate) == (2, 1, 50.0)
    assert review.running_overdue == 1  # chamber B's submitted case
    assert stats.running_overdue == 1

    medians = {m.label: (m.count, m.hours) for m in stats.medians}
    assert medians["预审（提交→转递）"] == (3, 4.0)
    assert medians["受理（转递→受理）"] == (2, 30.0)
    assert medians["办理（受理→办结）"] == (2, 115.0)
    assert medians["送达（办结→送达）"] == (2, 5.0)
    assert stats.medians[2].text == "4.8 天"

    assert {r.label: r.value for r in stats.ratings} == {
        "非常满意": 1, "满意": 0, "基本满意": 0, "不满意": 0, "非常不满意": 1,
    }  # fmt: skip
    assert stats.satisfied_rate == 50.0
    assert (stats.follow_ups_open, stats.follow_ups_overdue, stats.follow_ups_total) == (1, 1, 1)


def test_each_scope_counts_only_its_own_cases(figures: SimpleNamespace) -> None:
    chamber_b = case_statistics(cases_for_user(figures.chamber_admin_b))
    clerk = case_statistics(cases_for_user(figures.clerk))
    agent = case_statistics(cases_for_user(figures.agent))

    assert chamber_b.total == 1 and chamber_b.rating_total == 0 and chamber_b.follow_ups_open == 0
    assert clerk.total == 3  # what was forwarded to the window: not the drafts, not chamber B's
    assert agent.total == 4 and agent.follow_ups_open == 1


def test_the_page_shows_tables_and_chart_data(client: Client, figures: SimpleNamespace) -> None:
    client.force_login(figures.fed_admin)

    response = client.get(reverse("proxy:stats"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="stats-total">5<' in html
    assert 'id="stats-data" type="application/json"' in html  # data for the charts, never executed
    assert "<script>" not in html  # no inline script under the Content-Security-Policy
    assert 'data-testid="on-time-rate">66.7%<' in html
    assert 'data-testid="followups-open">1<' in html
    assert response.context["charts"]["department"] == {"labels": ["衢州市公安局"], "values": [5]}


def test_the_export_has_one_sheet_per_table_and_is_audited(client: Client, figures: SimpleNamespace) -> None:
    client.force_login(figures.chamber_admin)

    response = client.get(reverse("proxy:stats") + "?export=xlsx")

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    assert workbook.sheetnames == [
        "按状态",
        "按部门",
        "按事项",
        "按商会",
        "按月份",
        "按时率",
        "环节用时",
        "好差评",
        "差评整改",
    ]
    chambers = list(workbook["按商会"].iter_rows(values_only=True))
    assert chambers[1:] == [("商会", "办件数（件）"), ("衢州在上海商会", 4)]
    assert str(chambers[0][0]).startswith("代办统计　范围：衢州在上海商会　期间：全部时间")
    on_time = list(workbook["按时率"].iter_rows(values_only=True))
    assert on_time[2] == ("代办点预审", 3, 2, 66.7, 0)
    assert AuditEntry.objects.filter(action="case.stats_export", actor_id=figures.chamber_admin.pk).exists()


def _spread(pw: SimpleNamespace, n: int) -> None:
    """`n` more cases in several states, items and months."""
    for i in range(n):
        case = pw.new_case()
        if i % 2:
            services.add_material(case=case, actor=pw.agent, upload=pdf_upload(), slot=0)
            case = pw.act(case, "submit", AGENT)
        if i % 4 == 3:
            pw.act(case, "forward", AGENT, window=pw.window)
        Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - dt.timedelta(days=31 * (i % 12)))


@pytest.mark.parametrize("persona", ["fed_admin", "clerk"])
def test_statistics_cost_the_same_queries_for_5_and_50_cases(
    client: Client, pw: SimpleNamespace, persona: str, django_assert_max_num_queries: Any
) -> None:
    client.force_login(getattr(pw, persona))
    counts = []
    for more in (5, 45):
        _spread(pw, more)
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("proxy:stats")).status_code == 200
        counts.append(len(page))

    assert counts[0] == counts[1]
    with django_assert_max_num_queries(15):
        client.get(reverse("proxy:stats"))


# --- Home page queue cards -----------------------------------------------------------------------------


def _cards(user: Any) -> dict[str, Any]:
    return {card.key: card for card in cards_for(user)}


def test_each_role_sees_its_case_queues_on_the_home_page(client: Client, pw: SimpleNamespace) -> None:
    submitted = pw.submitted()
    forwarded = pw.case_in("forwarded")
    Case.objects.filter(pk=forwarded.pk).update(acceptance_due_at=timezone.now() - H)

    agent, clerk, federation = _cards(pw.agent), _cards(pw.clerk), _cards(pw.fed_admin)

    assert agent["cases-review"].value == "1" and agent["cases-correction"].value == "0"
    assert agent["cases-review"].url == reverse("proxy:list") + "?queue=review"
    assert agent["cases-overdue"].value == "0"  # the window's clock is not the agent's
    assert clerk["cases-incoming"].value == "1" and clerk["cases-overdue"].value == "1"
    assert federation["cases-open"].value == "2" and federation["cases-overdue"].value == "1"
    assert "cases-review" not in federation and "cases-followups" in federation
    assert not any(key.startswith("cases-") for key in _cards(pw.mediator))
    client.force_login(pw.clerk)
    html = client.get(reverse("home:index")).content.decode()
    assert 'data-card="cases-incoming"' in html and f'href="{reverse("proxy:list")}?queue=incoming"' in html
    assert submitted.pk  # the agent's queue, not the clerk's


@pytest.mark.parametrize("persona", ["agent", "clerk", "fed_admin"])
def test_the_home_page_costs_the_same_queries_for_5_and_50_cases(
    client: Client, pw: SimpleNamespace, persona: str
) -> None:
    client.force_login(getattr(pw, persona))
    counts = []
    for more in (5, 45):
        _spread(pw, more)
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("home:index")).status_code == 200
        counts.append(len(page))

    # 14 for the proxy cards and the shell, 2 for the volunteering figures (two aggregates), 2 for
    # today's list (one sliced query) and the weekly trend (one GROUP BY over the last eight weeks).
    assert counts[0] == counts[1] <= 18


def test_a_case_in_draft_is_not_in_any_queue(pw: SimpleNamespace) -> None:
    pw.new_case()

    cards = _cards(pw.agent)

    assert all(cards[key].value == "0" for key in ("cases-review", "cases-correction", "cases-due_soon"))
    assert Case.objects.get().status == Status.DRAFT


def test_the_follow_up_card_counts_what_each_side_answers_for(figures: SimpleNamespace) -> None:
    # The one open follow-up is the window's (the bad rating came after the window handled the case).
    assert _cards(figures.clerk)["cases-followups"].value == "1"
    assert _cards(figures.agent)["cases-followups"].value == "0"
    assert _cards(figures.chamber_admin)["cases-followups"].value == "1"  # supervisors see their scope
    assert _cards(figures.chamber_admin_b)["cases-followups"].value == "0"
