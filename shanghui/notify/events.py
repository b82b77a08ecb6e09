"""The events a person or a group robot can subscribe to, with their names as people read them.

An event code is what the writer of a notification passes as `event=` ("case.forward"). A code missing
here still notifies, with the default channels; listing it makes it appear in the settings grid and the
robot configuration.
"""

from __future__ import annotations

from django.utils.translation import gettext

from shanghui.notify.models import ChannelKind

EVENTS: dict[str, str] = {
    "case.submit": "新办件提交",
    "case.resubmit": "补正后重新提交",
    "case.forward": "办件转递到窗口",
    "case.accept": "窗口受理",
    "case.refuse": "窗口不予受理",
    "case.window_correction": "窗口要求补正",
    "case.suspend": "中止办理",
    "case.resume": "恢复办理",
    "case.terminate": "终止办理",
    "case.complete": "办结",
    "case.deliver": "确认送达",
    "case.withdraw": "申请人撤回",
    "case.due_soon": "办件即将超期",
    "case.overdue": "办件已超期",
    "case.bad_rating": "差评整改",
    "case.message": "申请人发来新消息",
    "review.overdue": "审查超时提醒",
    "donation.pledge_due": "认捐分期即将到期",
    "activity.notice": "志愿服务提醒（报名递补、活动取消等）",
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
    return EVENTS.get(event, event)
