"""Fixtures of the notification tests (the proxy fixtures `pw` are the test kit's): `providers`: local DingTalk,
WeCom and Aliyun SMS servers with the settings pointing at them and external sending switched on."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from shanghui.notify.tests.servers import AliyunSmsServer, DingTalkServer, FakeClock, WeComServer

ALIYUN = "shanghui.notify.channels.aliyun_sms.AliyunSmsBackend"


def point_settings_at(settings: Any, ding: DingTalkServer, wecom: WeComServer, sms: AliyunSmsServer) -> None:
    settings.NOTIFY_EXTERNAL_ENABLED = True
    settings.DINGTALK_API_BASE = ding.base
    settings.WECOM_API_BASE = wecom.base
    settings.ALIYUN_SMS_ENDPOINT = sms.base
    settings.ALIYUN_SMS_ACCESS_KEY_ID = AliyunSmsServer.KEY_ID
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = AliyunSmsServer.KEY_SECRET
    settings.ALIYUN_SMS_TEMPLATES = dict(
        item.split("=") for item in AliyunSmsServer.settings_templates().split(",")
    )
    settings.SMS_BACKEND = ALIYUN
    settings.SMS_SIGNATURE = AliyunSmsServer.SIGN_NAME
    settings.NOTIFY_HTTP_TIMEOUT = 5


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def providers(settings: Any, clock: FakeClock) -> Iterator[SimpleNamespace]:
    with DingTalkServer(clock) as ding, WeComServer(clock) as wecom, AliyunSmsServer(clock) as sms:
        point_settings_at(settings, ding, wecom, sms)
        yield SimpleNamespace(ding=ding, wecom=wecom, sms=sms, clock=clock)
