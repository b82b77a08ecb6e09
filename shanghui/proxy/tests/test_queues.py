"""The case list as agents and clerks open it (issue 13, items 8 and 9): unread badges per case, the
queue of their to-do first, statuses coloured by meaning as on the citizen's pages, the time left on
the running clock, and no filter whose only value is fixed for the person."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shanghui.conversations import services as chat
from shanghui.lib.owners import Viewer
from shanghui.lib.workdays import BEIJING, WorkCalendar, working_time_between
from shanghui.proxy.display import STATUS_COLOURS
from shanghui.proxy.models import Case, Status
from shanghui.proxy.owner import PROXY_CASE
from shanghui.proxy.tests.test_citizen_views import as_citizen
from shanghui.proxy.workflow import AGENT


def post(case: Case, viewer: Viewer, body: str) -> int:
    conversation, _access = chat.open_for(PROXY_CASE, case.pk, viewer)
    return chat.post_message(conversation=conversation, viewer=viewer, body=body).seq


def unread_badges(client: Client, query: str = "?queue=all") -> dict[int, str]:
    html = client.get(reverse("proxy:list") + query).content.decode()
    rows = re.findall(r'data-case-id="(\d+)".*?(?=data-testid="case-row"|</tbody>)', html, re.S)
    found = {}
    for block in re.split(r'(?=data-testid="case-row")', html)[1:]:
        case_id = int(re.search(r'data-case-id="(\d+)"', block).group(1))  # type: ignore[union-attr]
        badge = re.search(r'data-testid="case-unread">([^<]*)<', block)
        if badge:
            found[case_id] = badge.group(1).strip()
    assert len(rows) >= len(found)
    return found


# --- Unread badges ---------------------------------------------------------------------------------------


def test_the_list_counts_each_cases_unread_messages_for_the_viewer(
    client: Client, pw: SimpleNamespace
) -> None:
    quiet, chatty = pw.submitted(), pw.submitted()
    citizen = Viewer(mobile=chatty.applicant_mobile)
    post(chatty, Viewer(user=pw.agent), "您好，已收到")  # the agent's own message is not unread for them
    first = post(chatty, citizen, "请问户口簿要原件吗？")
    post(chatty, citizen, "还有照片")
    chat.post_system(owner_type=PROXY_CASE, owner_id=chatty.pk, ref="x", body="办件已提交")  # not counted

    client.force_login(pw.agent)
    assert unread_badges(client) == {chatty.pk: "2 条未读消息"}
    assert quiet.pk not in unread_badges(client)

    # Reading up to the first message leaves one; reading all clears the badge.
    conversation, _access = chat.open_for(PROXY_CASE, chatty.pk, Viewer(user=pw.agent))
    chat.mark_read(conversation=conversation, viewer=Viewer(user=pw.agent), seq=first)
    assert unread_badges(client) == {chatty.pk: "1 条未读消息"}
    chat.mark_read(conversation=conversation, viewer=Viewer(user=pw.agent), seq=conversation.last_seq + 10)
    assert unread_badges(client) == {}

    # Each viewer has their own count: the chamber's supervisor has read nothing (three from others).
    client.force_login(pw.chamber_admin)
    assert unread_badges(client) == {chatty.pk: "3 条未读消息"}
    # The outsider sees no case at all, so no badge.
    client.force_login(pw.outsider)
    assert client.get(reverse("proxy:list")).status_code in (403, 404)


def test_unread_counts_leave_out_cases_the_caller_did_not_name_and_internal_notes_when_asked(
    pw: SimpleNamespace,
) -> None:
    case, other = pw.submitted(), pw.submitted()
    post(case, Viewer(mobile=case.applicant_mobile), "在吗")
    post(other, Viewer(mobile=other.applicant_mobile), "在吗")
    conversation, _ = chat.open_for(PROXY_CASE, case.pk, Viewer(user=pw.agent))
    chat.post_message(conversation=conversation, viewer=Viewer(user=pw.agent), body="内部", internal=True)

    assert chat.unread_counts(PROXY_CASE, [case.pk], pw.chamber_admin) == {case.pk: 2}
    assert chat.unread_counts(PROXY_CASE, [case.pk], pw.chamber_admin, internal=False) == {case.pk: 1}
    assert chat.unread_counts(PROXY_CASE, [], pw.agent) == {}


def test_the_badges_cost_one_query_whatever_the_number_of_cases(client: Client, pw: SimpleNamespace) -> None:
    client.force_login(pw.agent)
    counts = []
    for n in (2, 8):
        while Case.objects.count() < n:
            case = pw.submitted()
            post(case, Viewer(mobile=case.applicant_mobile), "在吗")
        client.get(reverse("proxy:list"))
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("proxy:list")).content.decode()
        assert html.count('data-testid="case-unread"') == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- The queue a person opens on ----------------------------------------------------------------------------


def _forwarded(pw: SimpleNamespace) -> Case:
    return pw.act(pw.submitted(), "forward", AGENT, window=pw.window)


def test_agents_open_on_pre_review_clerks_on_acceptance_supervisors_on_all(
    client: Client, pw: SimpleNamespace
) -> None:
    submitted, forwarded = pw.submitted(), _forwarded(pw)

    def opened(user: Any, query: str = "") -> tuple[str, list[int]]:
        client.force_login(user)
        response = client.get(reverse("proxy:list") + query)
        return response.context["queue"].key, [case.pk for case, _l, _c in response.context["rows"]]

    assert opened(pw.agent) == ("review", [submitted.pk])
    assert opened(pw.clerk) == ("incoming", [forwarded.pk])
    assert opened(pw.fed_admin)[0] == "all"
    # A search without a queue looks at every case the person sees; a chosen queue is kept.
    assert opened(pw.agent, f"?q={forwarded.number}") == ("all", [forwarded.pk])
    assert opened(pw.agent, "?queue=all")[1] == [forwarded.pk, submitted.pk]
    html = client.get(reverse("proxy:list")).content.decode()
    assert 'aria-current="page" data-testid="queue-review"' in html
    # The export of the page opened is the to-do the page shows.
    assert "queue=review" in re.search(r'href="([^"]*)" data-testid="case-export"', html).group(1)  # type: ignore[union-attr]


# --- Status colours ------------------------------------------------------------------------------------------


def test_statuses_have_the_same_colour_on_staff_and_citizen_pages(
    client: Client, pw: SimpleNamespace
) -> None:
    case = pw.act(pw.submitted(), "request_correction", AGENT, correction_items=["请补充照片"])
    assert case.status == Status.NEEDS_CORRECTION
    colour = STATUS_COLOURS[Status.NEEDS_CORRECTION]
    assert colour == "warning" and STATUS_COLOURS[Status.REFUSED] == "danger"
    assert set(STATUS_COLOURS) == set(Status)

    client.force_login(pw.agent)
    staff_list = client.get(reverse("proxy:list") + "?queue=all").content.decode()
    staff_case = client.get(reverse("proxy:detail", args=[case.pk])).content.decode()
    assert f'class="badge text-bg-{colour}" data-testid="case-status">待补正' in staff_list
    assert f'text-bg-{colour} fs-6" data-testid="case-status"' in staff_case

    # The citizen's own pages (their case list and the case) read the same map.
    client.logout()
    as_citizen(client, case.applicant_mobile)
    mine = client.get(reverse("citizen:cases")).content.decode()
    theirs = client.get(reverse("citizen:case", args=[case.pk])).content.decode()
    for html in (mine, theirs):
        assert re.search(rf'class="badge text-bg-{colour} [^"]*" data-testid="case-status">待补正', html)


# --- Time left -------------------------------------------------------------------------------------------


def test_working_time_between_counts_working_days_and_their_parts() -> None:
    cal = WorkCalendar(holidays=frozenset({dt.date(2026, 10, 1)}))

    def at(day: int, hour: int, month: int = 9) -> dt.datetime:
        return dt.datetime(2026, month, day, hour, tzinfo=BEIJING)

    # Monday noon to Tuesday's end: half a day and a day.
    assert working_time_between(cal, at(28, 12), at(29, 0) + dt.timedelta(days=1)) == 1.5
    # Friday 18:00 to Monday 06:00: the weekend does not count.
    assert working_time_between(cal, at(25, 18), at(28, 6)) == 0.5
    # Over the holiday (Thursday 1 October).
    assert working_time_between(cal, at(30, 0), at(3, 0, month=10)) == 2
    assert working_time_between(cal, at(29, 0), at(28, 0)) == 0


def test_the_list_shows_the_time_left_and_the_overdue_in_red(client: Client, pw: SimpleNamespace) -> None:
    late, soon, later = _forwarded(pw), _forwarded(pw), _forwarded(pw)
    now = timezone.now()
    Case.objects.filter(pk=late.pk).update(acceptance_due_at=now - dt.timedelta(days=10))
    Case.objects.filter(pk=soon.pk).update(acceptance_due_at=now + dt.timedelta(hours=3))
    Case.objects.filter(pk=later.pk).update(acceptance_due_at=now + dt.timedelta(days=14))
    client.force_login(pw.clerk)

    response = client.get(reverse("proxy:list"))
    shown = {case.pk: (label, css) for case, label, css in response.context["rows"]}
    assert shown[late.pk][1] == "danger" and re.fullmatch(r"已超期 \d+(\.\d)? 个工作日", shown[late.pk][0])
    assert float(shown[late.pk][0].split()[1]) >= 5  # ten calendar days hold at least five working days
    assert shown[soon.pk][1] == "warning" and re.fullmatch(r"剩 0(\.\d)? 个工作日", shown[soon.pk][0])
    assert shown[later.pk][1] == "primary" and re.fullmatch(r"剩 \d+(\.\d)? 个工作日", shown[later.pk][0])
    html = response.content.decode()
    assert (
        f'class="text-danger fw-semibold" data-clock="danger" data-testid="case-clock">{shown[late.pk][0]}'
        in html
    )
    assert "剩余时限" in html


# --- Filters ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "hidden", "shown"),
    [
        ("agent", {"chamber", "point"}, set()),
        ("clerk", {"department", "window"}, set()),
        ("fed_admin", set(), {"chamber", "point"}),
    ],
)
def test_a_filter_with_one_possible_value_is_not_shown(
    client: Client, pw: SimpleNamespace, persona: str, hidden: set[str], shown: set[str]
) -> None:
    _forwarded(pw)
    pw.new_case(proxy_point=pw.point_b, actor=pw.agent_b)
    client.force_login(getattr(pw, persona))
    html = client.get(reverse("proxy:list") + "?queue=all").content.decode()
    for name in hidden:
        assert f'<select name="{name}"' not in html and f'type="hidden" name="{name}"' in html
    for name in shown:
        assert f'<select name="{name}"' in html
    # A value in the address still applies.
    assert client.get(reverse("proxy:list") + "?queue=all&point=999999").context["form"].errors
