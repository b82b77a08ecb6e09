"""The notification pages as people use them: robots configured by administrators of their
organisations (with the test message), the failed notifications with their resend button, and each
person's settings grid. Every page is tried by an outsider."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shanghui.notify.models import ChannelConfig, OutboxMessage, Preference
from shanghui.notify.services import notify_users
from shanghui.notify.tests.factories import make_robot

pytestmark = pytest.mark.django_db

HOOK = "https://oapi.dingtalk.com/robot/send?access_token="


def html(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.fixture
def robot(world: SimpleNamespace) -> ChannelConfig:
    return make_robot(actor=world.chamber_admin, organisation=world.chamber_a, webhook=HOOK + "tok" + "0" * 40,
                      secret="SECsecret", name="上海商会群")  # fmt: skip


def failed_row(
    world: SimpleNamespace, robot: ChannelConfig, n: int = 1, *, state: str = "dead"
) -> list[OutboxMessage]:
    for i in range(n):
        notify_users(users=[], event="case.submit", key=f"case:{i}:event:{i}", title=f"办件{i}：提交申请", body="b",
                     orgs=[world.point_a])  # fmt: skip
    OutboxMessage.objects.update(
        state=state, attempts=5, last_error="钉钉系统繁忙（钉钉 errcode -1：系统繁忙）"
    )
    return list(OutboxMessage.objects.order_by("pk"))


# --- Access ---------------------------------------------------------------------------------------


def test_every_page_needs_a_login(client: Client, robot: ChannelConfig) -> None:
    for url in [reverse("notify:preferences"), reverse("notify:channel_list"), reverse("notify:channel_create"),
                reverse("notify:channel_edit", args=[robot.pk]), reverse("notify:failed_list")]:  # fmt: skip
        assert client.get(url)["Location"].startswith(reverse("accounts:login"))


def test_an_outsider_gets_nothing_but_their_own_settings(
    client: Client, world: SimpleNamespace, robot: ChannelConfig
) -> None:
    [row] = failed_row(world, robot)
    client.force_login(world.outsider)

    assert client.get(reverse("notify:preferences")).status_code == 200
    for url in [
        reverse("notify:channel_list"),
        reverse("notify:channel_create"),
        reverse("notify:failed_list"),
    ]:
        assert client.get(url).status_code == 403
    assert client.get(reverse("notify:channel_edit", args=[robot.pk])).status_code == 404
    for url in [reverse("notify:channel_toggle", args=[robot.pk]), reverse("notify:channel_test", args=[robot.pk]),
                reverse("notify:failed_resend", args=[row.pk])]:  # fmt: skip
        assert client.post(url).status_code == 404
    robot.refresh_from_db()
    row.refresh_from_db()
    assert robot.enabled and row.state == "dead"


def test_another_chambers_admin_does_not_see_the_robot_or_its_failures(
    client: Client, world: SimpleNamespace, robot: ChannelConfig
) -> None:
    [row] = failed_row(world, robot)
    client.force_login(world.chamber_admin_b)

    listing = client.get(reverse("notify:channel_list"))
    failures = client.get(reverse("notify:failed_list"))

    assert listing.status_code == 200 and "上海商会群" not in html(listing)
    assert failures.status_code == 200 and failures.context["page"].paginator.count == 0
    assert client.get(reverse("notify:channel_edit", args=[robot.pk])).status_code == 404
    assert client.post(reverse("notify:channel_toggle", args=[robot.pk])).status_code == 404
    assert client.post(reverse("notify:failed_resend", args=[row.pk])).status_code == 404


def test_admins_above_see_it_and_staff_without_an_admin_role_do_not(
    client: Client, world: SimpleNamespace, robot: ChannelConfig
) -> None:
    client.force_login(world.fed_admin)
    assert "上海商会群" in html(client.get(reverse("notify:channel_list")))
    assert 'data-nav="notify-channels"' in html(client.get(reverse("home:index")))
    for person in (world.agent, world.chamber_staff, world.auditor):
        client.force_login(person)
        assert client.get(reverse("notify:channel_list")).status_code == 403
        assert client.get(reverse("notify:channel_edit", args=[robot.pk])).status_code == 404
        assert 'data-nav="notify-channels"' not in html(client.get(reverse("home:index")))


# --- Robots ---------------------------------------------------------------------------------------


def test_creating_a_robot_with_a_foreign_webhook_is_refused_in_chinese(
    client: Client, world: SimpleNamespace
) -> None:
    client.force_login(world.chamber_admin)
    data = {"organisation": world.point_a.pk, "kind": "dingtalk", "name": "代办点群", "msg_format": "markdown",
            "events": ["case.submit"], "mention": "on", "enabled": "on",
            "webhook_url": "http://10.0.0.1/robot/send?access_token=abc"}  # fmt: skip

    refused = client.post(reverse("notify:channel_create"), data)
    other_org = client.post(reverse("notify:channel_create"), {**data, "organisation": world.point_b.pk,
                                                               "webhook_url": HOOK + "abc"})  # fmt: skip

    assert refused.status_code == 422 and "请粘贴机器人的完整 Webhook 地址" in html(refused)
    assert other_org.status_code == 422 and 'data-testid="error-organisation"' in html(other_org)
    assert not ChannelConfig.objects.exists()


def test_creating_editing_and_disabling_a_robot(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.chamber_admin)
    data = {"organisation": world.point_a.pk, "kind": "dingtalk", "name": "代办点群", "msg_format": "markdown",
            "events": ["case.submit", "case.overdue"], "mention": "on", "enabled": "on",
            "webhook_url": HOOK + "abcdefgh12345678", "secret": "SEC123"}  # fmt: skip

    created = client.post(reverse("notify:channel_create"), data)
    config = ChannelConfig.objects.get()
    edit_page = client.get(reverse("notify:channel_edit", args=[config.pk]))
    listing = client.get(reverse("notify:channel_list"))
    client.post(reverse("notify:channel_edit", args=[config.pk]),
                {**data, "name": "代办点工作群", "webhook_url": "", "secret": "", "events": ["case.overdue"]})  # fmt: skip
    client.post(reverse("notify:channel_toggle", args=[config.pk]), {"enabled": "0"})

    assert created.status_code == 302
    # Credentials are never shown again: neither on the form nor in the list (masked there).
    assert "abcdefgh12345678" not in html(edit_page) and "SEC123" not in html(edit_page)
    assert "abcd…5678" in html(listing) and "abcdefgh12345678" not in html(listing)
    config.refresh_from_db()
    assert (config.name, config.events, config.enabled) == ("代办点工作群", ["case.overdue"], False)
    assert (config.webhook_url, config.secret) == (HOOK + "abcdefgh12345678", "SEC123")  # kept


def test_the_test_button_shows_the_providers_answer(
    client: Client, world: SimpleNamespace, providers: SimpleNamespace
) -> None:
    token = providers.ding.add_robot(secret="SECgood")
    good = make_robot(actor=world.chamber_admin, organisation=world.chamber_a, webhook=providers.ding.webhook(token),
                      secret="SECgood", name="好的群")  # fmt: skip
    bad = make_robot(actor=world.chamber_admin, organisation=world.chamber_a, webhook=providers.ding.webhook(token),
                     secret="SECbad", name="密钥错的群")  # fmt: skip
    client.force_login(world.chamber_admin)

    ok = client.post(reverse("notify:channel_test", args=[good.pk]), follow=True)
    refused = client.post(reverse("notify:channel_test", args=[bad.pk]), follow=True)

    assert "测试消息已发送" in html(ok)
    assert "发送失败：加签校验未通过，请核对加签密钥" in html(refused)
    [message] = providers.ding.robots[token].messages
    assert "测试消息" in message["markdown"]["text"]


# --- Failed notifications -------------------------------------------------------------------------


def test_failed_notifications_are_listed_filtered_and_paged_in_a_fixed_number_of_queries(
    client: Client, world: SimpleNamespace, robot: ChannelConfig, settings: object
) -> None:
    settings.PAGE_SIZE = 10  # type: ignore[attr-defined]
    rows = failed_row(world, robot, 25)
    OutboxMessage.objects.filter(pk__in=[r.pk for r in rows[:5]]).update(state="failed")
    notify_users(
        users=[world.agent], event="case.overdue", key="other", title="t", body="b"
    )  # pending: not listed
    client.force_login(world.chamber_admin)

    client.get(reverse("notify:failed_list"))
    with CaptureQueriesContext(connection) as first:
        page_one = client.get(reverse("notify:failed_list"))
    with CaptureQueriesContext(connection) as last:
        page_three = client.get(reverse("notify:failed_list") + "?page=3")
    only_failed = client.get(reverse("notify:failed_list") + "?state=failed")
    only_sms = client.get(reverse("notify:failed_list") + "?channel=sms")

    assert page_one.context["page"].paginator.count == 25
    assert html(page_one).count('data-testid="failed-row"') == 10
    assert html(page_three).count('data-testid="failed-row"') == 5
    assert len(first) == len(last)
    assert "钉钉系统繁忙" in html(page_one) and "上海商会群" in html(page_one)
    assert only_failed.context["page"].paginator.count == 5
    assert "没有符合条件的通知" in html(only_sms)


def test_resend_from_the_page_puts_the_row_back_in_the_queue(
    client: Client, world: SimpleNamespace, robot: ChannelConfig
) -> None:
    [row] = failed_row(world, robot)
    client.force_login(world.fed_admin)

    response = client.post(reverse("notify:failed_resend", args=[row.pk]),
                           {"next": reverse("notify:failed_list") + "?state=dead"})  # fmt: skip

    assert response["Location"] == reverse("notify:failed_list") + "?state=dead"
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("pending", 0, "")
    again = client.post(reverse("notify:failed_resend", args=[row.pk]), follow=True)
    assert "无需重新发送" in html(again)


# --- Personal settings ----------------------------------------------------------------------------


def test_the_settings_grid_saves_choices(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.clerk)
    page = client.get(reverse("notify:preferences"))
    assert html(page).count('data-testid="preference-row"') >= 10
    assert 'data-testid="no-email"' in html(page)  # the clerk has no e-mail address: that column is off

    client.post(
        reverse("notify:preferences"),
        {"cell": ["case.forward:sms", "case.forward:email", "case.overdue:in_app"]},
    )

    chosen = {(p.event, p.channel): p.enabled for p in Preference.objects.filter(user=world.clerk)}
    assert chosen[("case.forward", "sms")] is True
    assert chosen[("case.forward", "in_app")] is False  # unticked
    assert ("case.forward", "email") not in chosen  # no address: stays at its default (off)
    assert chosen[("case.submit", "in_app")] is False
    assert 'data-testid="cell-case.forward-sms" checked' in html(client.get(reverse("notify:preferences")))


def test_the_inbox_links_to_the_settings(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.outsider)
    assert reverse("notify:preferences") in html(client.get(reverse("notify:inbox")))
