"""One-time codes by SMS: how a citizen, who has no account, proves a mobile number.

A code is six digits, valid for five minutes and for at most five tries; a new code replaces the old.
Sending follows the providers' limits for verification codes: one per number per minute, five an
hour, ten a day (rolling windows). The state lives in one `MobileCode` row per number, locked while a
code is given out or checked, so two requests at once cannot both slip under a limit.

The code goes straight to the SMS backend after the row is committed, not through the notification
outbox: the outbox keeps its parameters in clear text in the database (a code must only be stored
hashed), and its retries (30 s, 2 min, 10 min, 1 h) outlive a five-minute code. A failed send gives
the citizen an error at once and does not count against the limits.

A proved number is kept in the session by shanghui/accounts/citizen.py.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets

from django.db import transaction
from django.utils import timezone

from shanghui.lib.crypto import keyed_hash
from shanghui.lib.masking import mask_mobile
from shanghui.lib.validators import is_valid_mobile, normalize_mobile
from shanghui.notify import sms
from shanghui.proxy.models import MobileCode

logger = logging.getLogger("shanghui.proxy")

CODE_DIGITS = 6
CODE_MINUTES = 5
MAX_ATTEMPTS = 5
# (window, most codes sent within it, message when reached)
SEND_LIMITS = (
    (dt.timedelta(minutes=1), 1, "验证码发送过于频繁，请{wait}秒后再试"),
    (dt.timedelta(hours=1), 5, "验证码发送次数过多，请{wait}分钟后再试"),
    (dt.timedelta(days=1), 10, "该号码今日获取验证码次数已达上限，请明天再试"),
)


class OtpError(Exception):
    """A refusal to show the citizen as it is (Chinese). `field` names the form field it belongs to."""

    def __init__(self, message: str, *, field: str = "code") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def clean_mobile(value: str) -> str:
    mobile = normalize_mobile(value or "")
    if not is_valid_mobile(mobile):
        raise OtpError("请输入有效的11位手机号码（以1开头）", field="mobile")
    return mobile


def _code_hash(mobile: str, code: str) -> str:
    # Bound to the number: the same digits for another number hash differently.
    return keyed_hash(f"otp:{mobile}:{code}")


def _locked_row(mobile: str) -> MobileCode:
    """The number's row, created if missing, locked until the caller's transaction ends."""
    mobile_hash = keyed_hash(mobile)
    MobileCode.objects.bulk_create([MobileCode(mobile_hash=mobile_hash)], ignore_conflicts=True)
    return MobileCode.objects.select_for_update().get(mobile_hash=mobile_hash)


def _recent(row: MobileCode, now: dt.datetime) -> list[dt.datetime]:
    times = [dt.datetime.fromisoformat(t) for t in row.sent_times]
    return sorted(t for t in times if now - t < dt.timedelta(days=1))


def _refusal(sent: list[dt.datetime], now: dt.datetime) -> str | None:
    for window, limit, message in SEND_LIMITS:
        inside = [t for t in sent if now - t < window]
        if len(inside) >= limit:
            # Wait until the oldest send inside the window leaves it.
            free_at = inside[-limit] + window
            seconds = max(1, int((free_at - now).total_seconds() + 0.999))
            wait = seconds if window <= dt.timedelta(minutes=1) else max(1, (seconds + 59) // 60)
            return message.format(wait=wait)
    return None


def request_code(mobile: str) -> dt.datetime:
    """Send a new code to `mobile` (normalised and valid, see clean_mobile); returns when it expires.
    Raises OtpError when a sending limit is reached or the SMS provider fails."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        row = _locked_row(mobile)
        now = timezone.now()
        sent = _recent(row, now)
        if refusal := _refusal(sent, now):
            raise OtpError(refusal, field="mobile")
        row.code_hash = _code_hash(mobile, code)
        row.expires_at = now + dt.timedelta(minutes=CODE_MINUTES)
        row.attempts = 0
        row.sent_times = [t.isoformat() for t in [*sent, now]]
        row.save()
    # After the commit: no network call inside a transaction.
    try:
        sms.backend().send(mobile=mobile, template="otp", params={"code": code, "minutes": CODE_MINUTES})
    except Exception as exc:  # any provider failure: undo the send, tell the citizen
        logger.warning("one-time code to %s not sent: %s", mask_mobile(mobile), exc)
        with transaction.atomic():
            row = _locked_row(mobile)
            stamp = now.isoformat()
            row.sent_times = [t for t in row.sent_times if t != stamp]
            if hmac.compare_digest(row.code_hash, _code_hash(mobile, code)):
                row.code_hash, row.expires_at = "", None
            row.save()
        raise OtpError("短信发送失败，请稍后再试", field="mobile") from exc
    return now + dt.timedelta(minutes=CODE_MINUTES)


def verify_code(mobile: str, code: str) -> None:
    """Accept `code` for `mobile` once, or raise OtpError. A wrong try counts even though it raises."""
    code = (code or "").strip()
    error: str | None = None
    with transaction.atomic():
        row = _locked_row(mobile)
        now = timezone.now()
        if not row.code_hash or row.expires_at is None:
            error = "验证码错误或已失效，请重新获取"
        elif row.expires_at <= now:
            error = "验证码已过期，请重新获取"
        elif row.attempts >= MAX_ATTEMPTS:
            error = "验证码错误次数过多，请重新获取"
        elif not (code.isdigit() and hmac.compare_digest(row.code_hash, _code_hash(mobile, code))):
            row.attempts += 1
            left = MAX_ATTEMPTS - row.attempts
            error = f"验证码错误，还可以再试{left}次" if left else "验证码错误次数过多，请重新获取"
        if error is None or row.attempts >= MAX_ATTEMPTS:
            # Used, or used up: a code never works twice.
            row.code_hash, row.expires_at = "", None
        row.save()
    if error is not None:
        raise OtpError(error)
