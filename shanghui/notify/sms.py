"""SMS gateways. Providers in China send only pre-approved templates with a registered signature,
so a message is (template code, parameters), never free text.

`settings.SMS_BACKEND` names the class; the console backend prints the message for development.
Real providers (with their HTTP protocols) are added beside it by the notification channels issue.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from shanghui.lib.masking import mask_mobile

logger = logging.getLogger("shanghui.sms")

# Template code → the approved text, with {name} parameters (what the provider shows to the person).
TEMPLATES: dict[str, str] = {
    "otp": "您的验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。",
    "case_update": "您的代办件{number}：{status}。查询码{query_code}，可在商会+查询进度。",
}


class SmsError(Exception):
    """The provider refused or failed; `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass
class SentSms:
    provider_id: str


class SmsBackend(Protocol):
    def send(self, *, mobile: str, template: str, params: dict[str, Any]) -> SentSms: ...


class ConsoleSmsBackend:
    """Development: writes the rendered message to the log and to `outbox` (for tests)."""

    outbox: list[dict[str, Any]] = []

    def send(self, *, mobile: str, template: str, params: dict[str, Any]) -> SentSms:
        if template not in TEMPLATES:
            raise SmsError(f"unknown SMS template {template}", retryable=False)
        text = f"【{settings.SMS_SIGNATURE}】" + TEMPLATES[template].format(**params)
        provider_id = "console-" + secrets.token_hex(6)
        ConsoleSmsBackend.outbox.append(
            {"mobile": mobile, "template": template, "params": params, "text": text}
        )
        # The console is a developer's screen: the number is masked, the text (e.g. a code) is not.
        print(f"[短信 → {mask_mobile(mobile)}] {text}", flush=True)  # noqa: T201
        return SentSms(provider_id=provider_id)


def backend() -> SmsBackend:
    backend_class: Any = import_string(settings.SMS_BACKEND)
    instance: SmsBackend = backend_class()
    return instance
