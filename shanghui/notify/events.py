"""The events a person or a group robot can subscribe to, with their names as people read them.

An event code is what the writer of a notification passes as `event=` ("case.forward"). A code missing
here still notifies, with the default channels; listing it makes it appear in the settings grid and the
robot configuration.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from shanghui.notify.models import ChannelKind

EVENTS: dict[str, str] = {
    "case.submit": gettext_noop("新办件提交"),
    "case.resubmit": gettext_noop("补正后重新提交"),
    "case.forward": gettext_noop("办件转递到窗口"),
    "case.accept": gettext_noop("窗口受理"),
    "case.refuse": gettext_noop("窗口不予受理"),
    "case.window_correction": gettext_noop("窗口要求补正"),
    "case.suspend": gettext_noop("中止办理"),
    "case.resume": gettext_noop("恢复办理"),
    "case.terminate": gettext_noop("终止办理"),
    "case.complete": gettext_noop("办结"),
    "case.deliver": gettext_noop("确认送达"),
    "case.withdraw": gettext_noop("申请人撤回"),
    "case.due_soon": gettext_noop("办件即将超期"),
    "case.overdue": gettext_noop("办件已超期"),
    "case.bad_rating": gettext_noop("差评整改"),
    "case.message": gettext_noop("申请人发来新消息"),
    "review.overdue": gettext_noop("审查超时提醒"),
    "donation.pledge_due": gettext_noop("认捐分期即将到期"),
    "activity.notice": gettext_noop("志愿服务提醒（报名递补、活动取消等）"),
}

# A robot's "send test message" is not a subscribable event.
TEST_EVENT = "notify.test"

# What a person receives when they have not chosen: the bell, nothing that costs money or fills an inbox.
DEFAULT_CHANNELS: dict[str, bool] = {
    ChannelKind.IN_APP: True,
    ChannelKind.SMS: False,
    ChannelKind.EMAIL: False,
}


def event_label(event: str) -> str:
    if event == TEST_EVENT:
        return gettext("测试消息")
    return gettext(EVENTS.get(event, event))
