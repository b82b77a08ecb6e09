"""新消息: a citizen's message in the case group reaches the case's staff (bell, and SMS for those who
chose it), bundled per case until they have read it; staff's own messages tell nobody."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.test import Client

from shanghui.conversations import services
from shanghui.lib.owners import Viewer
from shanghui.notify.models import ChannelKind, Notification, OutboxMessage
from shanghui.notify.services import mark_read, set_preferences
from shanghui.notify.tasks import deliver_due
from shanghui.orgs.models import Role
from shanghui.orgs.tests.factories import grant, make_user
from shanghui.proxy.owner import NEW_MESSAGE, PROXY_CASE


def post(case: object, viewer: Viewer, body: str) -> None:
    conversation, _ = services.open_for(PROXY_CASE, case.pk, viewer)  # type: ignore[attr-defined]
    services.post_message(conversation=conversation, viewer=viewer, body=body)


def bells(user: Any) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("title", flat=True))


def test_a_citizens_messages_reach_the_agents_once_until_read(pw: SimpleNamespace) -> None:
    case = pw.submitted()
    other_agent = make_user(username="agent_2")
    grant(other_agent, pw.point_a, Role.AGENT)
    citizen = Viewer(mobile=case.applicant_mobile)

    post(case, citizen, "请问户口簿要原件吗？")
    post(case, citizen, "还有照片")
    deliver_due()

    for agent in (pw.agent, other_agent):
        assert [t for t in bells(agent) if "新消息" in t] == [f"办件{case.number}：申请人 张*发来新消息"]
    notice = Notification.objects.get(user=pw.agent, title__contains="新消息")
    assert notice.body == "请问户口簿要原件吗？" and notice.url.endswith(f"/cases/{case.pk}/#conversation")
    # Nobody else hears of it: not the clerk (the case is not at the window), not the outsider.
    assert not Notification.objects.filter(
        user__in=[pw.clerk, pw.outsider], title__contains="新消息"
    ).exists()

    # Once read, the next message is news again.
    mark_read(user=pw.agent)
    post(case, citizen, "今天能转吗？")
    deliver_due()
    assert len([t for t in bells(pw.agent) if "新消息" in t]) == 2
    assert len([t for t in bells(other_agent) if "新消息" in t]) == 1  # still unread: bundled


def test_staff_messages_tell_nobody_and_the_window_hears_once_forwarded(pw: SimpleNamespace) -> None:
    case = pw.submitted()
    post(case, Viewer(user=pw.agent), "您好，已收到")
    assert not OutboxMessage.objects.filter(event=NEW_MESSAGE).exists()

    pw.act(case, "forward", "agent", window=pw.window)
    post(case, Viewer(mobile=case.applicant_mobile), "窗口什么时候受理？")
    deliver_due()
    assert any("新消息" in t for t in bells(pw.clerk))


def test_an_agent_who_chose_sms_gets_the_new_message_by_sms(pw: SimpleNamespace) -> None:
    case = pw.submitted()
    set_preferences(actor=pw.agent, user=pw.agent, grid={(NEW_MESSAGE, ChannelKind.SMS): True})
    post(case, Viewer(mobile=case.applicant_mobile), "在吗")
    sms = OutboxMessage.objects.get(event=NEW_MESSAGE, channel=ChannelKind.SMS)
    assert sms.recipient == pw.agent and sms.address == pw.agent.mobile


def test_the_inbox_lists_the_new_message_event_in_the_settings(client: Client, pw: SimpleNamespace) -> None:
    client.force_login(pw.agent)
    assert "申请人发来新消息" in client.get("/notifications/settings/").content.decode()
