"""The notification bell and the inbox: each user sees their own notifications, the unread count costs
one query, and opening a notification marks it read and leads to the case."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shanghui.accounts.models import User
from shanghui.notify.models import Notification
from shanghui.notify.tasks import deliver_due


def _notify(user: User, n: int, url: str = "/cases/1/") -> list[Notification]:
    return [
        Notification.objects.create(user=user, title=f"办件通知{i}", body="已转递", url=url) for i in range(n)
    ]


def _html(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def test_the_bell_shows_the_unread_count_and_disappears_at_zero(
    client: Client, world: SimpleNamespace
) -> None:
    _notify(world.clerk, 3)
    Notification.objects.create(user=world.clerk, title="已读", read_at="2026-01-05T10:00:00+08:00")
    _notify(world.agent, 5)  # someone else's
    client.force_login(world.clerk)

    with_unread = _html(client.get(reverse("home:index")))
    client.post(reverse("notify:read_all"))
    without = _html(client.get(reverse("home:index")))

    assert 'data-testid="notification-bell"' in with_unread
    assert 'data-testid="notification-count">3<' in with_unread
    assert 'data-testid="notification-bell"' in without and 'data-testid="notification-count"' not in without


def test_the_unread_count_is_one_query_whatever_the_number(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.clerk)
    client.get(reverse("home:index"))
    with CaptureQueriesContext(connection) as none:
        client.get(reverse("home:index"))
    _notify(world.clerk, 30)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home:index"))

    assert len(many) == len(none)
    assert sum("notify_notification" in q["sql"] for q in many.captured_queries) == 1


def test_the_inbox_lists_only_my_notifications_newest_first(client: Client, world: SimpleNamespace) -> None:
    mine = _notify(world.clerk, 2)
    _notify(world.agent, 1)
    client.force_login(world.clerk)

    response = client.get(reverse("notify:inbox"))

    assert response.status_code == 200
    assert [n.pk for n in response.context["page"].object_list] == [mine[1].pk, mine[0].pk]
    assert _html(response).count('data-testid="notification"') == 2


def test_marking_one_and_all_read(client: Client, world: SimpleNamespace) -> None:
    first, second, third = _notify(world.clerk, 3)
    client.force_login(world.clerk)

    client.post(reverse("notify:read", args=[first.pk]))
    unread = client.get(reverse("notify:inbox") + "?unread=1")
    assert [n.pk for n in unread.context["page"].object_list] == [third.pk, second.pk]

    client.post(reverse("notify:read_all"))
    assert not Notification.objects.filter(user=world.clerk, read_at__isnull=True).exists()
    assert "没有未读消息" in _html(client.get(reverse("notify:inbox") + "?unread=1"))


def test_opening_marks_read_and_goes_to_the_case_but_never_off_site(
    client: Client, world: SimpleNamespace
) -> None:
    (local,) = _notify(world.clerk, 1, url="/cases/42/")
    (foreign,) = _notify(world.clerk, 1, url="https://evil.example/phish")
    client.force_login(world.clerk)

    to_case = client.post(reverse("notify:open", args=[local.pk]))
    off_site = client.post(reverse("notify:open", args=[foreign.pk]))

    assert to_case.status_code == 302 and to_case["Location"] == "/cases/42/"
    assert off_site.status_code == 302 and off_site["Location"] == reverse("notify:inbox")
    assert Notification.objects.filter(pk__in=[local.pk, foreign.pk], read_at__isnull=False).count() == 2


@pytest.mark.parametrize("view", ["notify:read", "notify:open"])
def test_someone_elses_notification_is_not_found_and_stays_unread(
    client: Client, world: SimpleNamespace, view: str
) -> None:
    (theirs,) = _notify(world.agent, 1)
    client.force_login(world.clerk)

    response = client.post(reverse(view, args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_inbox_needs_a_login_and_marking_needs_a_post(client: Client, world: SimpleNamespace) -> None:
    assert client.get(reverse("notify:inbox"))["Location"].startswith(reverse("accounts:login"))
    client.force_login(world.outsider)
    assert client.get(reverse("notify:inbox")).status_code == 200  # everyone has an inbox, maybe empty
    assert client.get(reverse("notify:read_all")).status_code == 405


def test_a_forwarded_case_reaches_the_clerks_inbox_with_a_link(client: Client, pw: SimpleNamespace) -> None:
    # Given an agent forwards a case (the outbox row is written with the change, then delivered)
    case = pw.case_in("forwarded")
    deliver_due()
    client.force_login(pw.clerk)

    # When the clerk opens the notification from the inbox
    page = client.get(reverse("notify:inbox"))
    notification = pw.clerk.notifications.get()
    response = client.post(reverse("notify:open", args=[notification.pk]))

    # Then they land on the case page
    assert f"办件{case.number}：预审通过并转递" in _html(page)
    assert response["Location"] == reverse("proxy:detail", args=[case.pk])
    assert client.get(response["Location"]).status_code == 200
