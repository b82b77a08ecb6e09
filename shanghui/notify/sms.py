"""SMS gateways. Providers in China send only pre-approved templates with a registered signature,
so a message is (template code, parameters), never free text.

`settings.SMS_BACKEND` names the class: the console backend (development, the default) prints the
message; `shanghui.notify.channels.aliyun_sms.AliyunSmsBackend` speaks Aliyun's Dysmsapi protocol.
A backend takes an `out_id` (the outbox row key) that the provider stores with the message, and can
look a message up by it afterwards (`lookup`): that is how a delivery whose outcome was lost in a crash
is recognised instead of sent twice.

Providers limit how often one number may receive messages. Aliyun's defaults: verification codes one
a minute, five an hour, ten a day per signature and number (proxy/otp.py enforces these before it asks
for a code); notifications fifty in 24 hours per signature, template and number. The outbox keeps to
these before sending (throttle.py), and a provider's refusal all the same reschedules the message.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from shanghui.lib.crypto import keyed_hash
from shanghui.lib.masking import mask_mobile
from shanghui.notify.channels.base import ChannelError, Limits

logger = logging.getLogger("shanghui.sms")

# Template code → the approved text, with {name} parameters (what the provider shows to the person).
TEMPLATES: dict[str, str] = {
    "otp": "您的验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。",
    "case_update": "您的代办件{number}：{status}。查询码{query_code}，可在商会+查询进度。",
    "dispute_update": "您的纠纷调解{number}：{status}。请在商会+“我的纠纷”查看。",
    # With the substance: what to correct, why it was refused, suspended or terminated, how the result
    # comes (the detail at most MAX_PARAM_CHARS characters; the full text is on the case page).
    "case_detail": "您的代办件{number}：{status}，{detail}。查询码{query_code}，可在商会+查询进度。",
    "staff_notice": "您有一条新的工作提醒：{title}。请登录商会+查看。",
    "volunteer_notice": "志愿服务提醒：{text}。详情请登录商会+查看。",
}
# A provider without an approved template of the first name sends the second, without the extra
# parameters (a deployment set up before case_detail existed still tells the citizen the status).
FALLBACK_TEMPLATES: dict[str, tuple[str, tuple[str, ...]]] = {"case_detail": ("case_update", ("detail",))}
# Aliyun refuses a notification template parameter longer than 35 characters (isv.PARAM_LENGTH_LIMIT).
MAX_PARAM_CHARS = 35

VERIFICATION_LIMITS: Limits = (
    (dt.timedelta(minutes=1), 1),
    (dt.timedelta(hours=1), 5),
    (dt.timedelta(days=1), 10),
)
NOTIFICATION_LIMITS: Limits = ((dt.timedelta(days=1), 50),)
VERIFICATION_TEMPLATES = frozenset({"otp"})


def limits_for(template: str) -> Limits:
    return VERIFICATION_LIMITS if template in VERIFICATION_TEMPLATES else NOTIFICATION_LIMITS


def rate_target(mobile: str, template: str) -> str:
    """The rate-limit key: per number for verification codes (all templates), per number and template
    for notifications, as the provider counts them."""
    kind = "otp" if template in VERIFICATION_TEMPLATES else template
    return f"sms:{kind}:{keyed_hash(mobile)}"


class SmsError(ChannelError):
    """The provider refused or failed; `retryable` says whether trying again may help, `retry_after`
    that the provider's rate limit was reached (see ChannelError)."""

    def __init__(
        self, message: str, *, retryable: bool = True, retry_after: dt.timedelta | None = None, code: str = ""
    ) -> None:
        super().__init__(message, retryable=retryable, retry_after=retry_after, code=code)


@dataclass
class SentSms:
    provider_id: str


class SmsBackend(Protocol):
    def send(self, *, mobile: str, template: str, params: dict[str, Any], out_id: str = "") -> SentSms: ...

    def lookup(self, *, mobile: str, out_id: str, since: dt.datetime) -> str | None:
        """The provider id of a message sent to `mobile` with `out_id` at or after `since`, or None
        when the provider has none. Raises SmsError when the provider cannot tell."""
        ...


def render(template: str, params: dict[str, Any]) -> str:
    if template not in TEMPLATES:
        raise SmsError(f"未知的短信模板 {template}", retryable=False, code="template")
    try:
        return f"【{settings.SMS_SIGNATURE}】" + TEMPLATES[template].format(**params)
    except (KeyError, IndexError):
        raise SmsError(f"短信模板 {template} 缺少参数", retryable=False, code="params") from None


class ConsoleSmsBackend:
    """Development: writes the rendered message to the log and to `outbox` (for tests)."""

    outbox: list[dict[str, Any]] = []

    def send(self, *, mobile: str, template: str, params: dict[str, Any], out_id: str = "") -> SentSms:
        text = render(template, params)
        provider_id = "console-" + secrets.token_hex(6)
        ConsoleSmsBackend.outbox.append(
            {"mobile": mobile, "template": template, "params": params, "text": text, "out_id": out_id,
             "provider_id": provider_id}
        )  # fmt: skip
        # The console is a developer's screen: the number is masked, the text (e.g. a code) is not.
        print(f"[短信 → {mask_mobile(mobile)}] {text}", flush=True)  # noqa: T201
        return SentSms(provider_id=provider_id)

    def lookup(self, *, mobile: str, out_id: str, since: dt.datetime) -> str | None:
        for sent in reversed(ConsoleSmsBackend.outbox):
            if out_id and sent["mobile"] == mobile and sent["out_id"] == out_id:
                return str(sent["provider_id"])
        return None


def backend() -> SmsBackend:
    backend_class: Any = import_string(settings.SMS_BACKEND)
    instance: SmsBackend = backend_class()
    return instance


def console() -> SmsBackend:
    return ConsoleSmsBackend()
