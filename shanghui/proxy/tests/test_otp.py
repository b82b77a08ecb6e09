"""One-time codes: sent through the SMS backend, stored hashed, five minutes, five tries, and the
providers' sending limits (1 a minute, 5 an hour, 10 a day per number)."""

from __future__ import annotations

import datetime as dt

import pytest

from shanghui.lib.crypto import keyed_hash
from shanghui.notify.sms import ConsoleSmsBackend, SmsError
from shanghui.proxy import otp
from shanghui.proxy.models import MobileCode
from shanghui.testing.sms import SmsOutbox

MOBILE = "13800001234"


def last_code(mobile: str = MOBILE) -> str:
    return SmsOutbox().last_code(mobile)


def test_a_code_is_sent_as_the_otp_template_and_stored_only_hashed(db, clock, sms_outbox):
    expires = otp.request_code(MOBILE)

    [message] = sms_outbox
    code = message["params"]["code"]
    assert message["template"] == "otp" and message["mobile"] == MOBILE
    assert len(code) == 6 and code.isdigit()
    assert f"验证码为{code}" in message["text"]
    row = MobileCode.objects.get()
    assert row.mobile_hash == keyed_hash(MOBILE)
    stored = " ".join(str(v) for v in MobileCode.objects.values().get().values())
    assert code not in stored and MOBILE not in stored
    assert expires == clock.now + dt.timedelta(minutes=5)


def test_the_right_code_works_once(db):
    otp.request_code(MOBILE)
    code = last_code()
    otp.verify_code(MOBILE, code)
    with pytest.raises(otp.OtpError, match="重新获取"):
        otp.verify_code(MOBILE, code)


def test_a_code_is_bound_to_its_number(db):
    otp.request_code(MOBILE)
    with pytest.raises(otp.OtpError):
        otp.verify_code("13900001234", last_code())


def test_a_wrong_code_counts_and_five_wrong_tries_use_the_code_up(db):
    otp.request_code(MOBILE)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(otp.OtpError, match="验证码错误，还可以再试4次"):
        otp.verify_code(MOBILE, wrong)
    assert MobileCode.objects.get().attempts == 1
    for _ in range(3):
        with pytest.raises(otp.OtpError):
            otp.verify_code(MOBILE, wrong)
    with pytest.raises(otp.OtpError, match="错误次数过多"):
        otp.verify_code(MOBILE, wrong)
    # Even the right code no longer works: the five tries are spent.
    with pytest.raises(otp.OtpError):
        otp.verify_code(MOBILE, code)


def test_a_code_expires_after_five_minutes(db, clock):
    otp.request_code(MOBILE)
    code = last_code()
    clock.set(clock.start + dt.timedelta(minutes=5, seconds=1))
    with pytest.raises(otp.OtpError, match="已过期"):
        otp.verify_code(MOBILE, code)


def test_a_code_works_until_its_expiry(db, clock):
    otp.request_code(MOBILE)
    clock.set(clock.start + dt.timedelta(minutes=4, seconds=50))
    otp.verify_code(MOBILE, last_code())


def test_a_new_code_replaces_the_old_one(db, clock, monkeypatch):
    # Two different codes for certain (drawn at random, they are the same once in a million).
    codes = iter([123456, 654321])
    monkeypatch.setattr(otp.secrets, "randbelow", lambda _: next(codes))
    otp.request_code(MOBILE)
    old = last_code()
    clock.set(clock.start + dt.timedelta(seconds=61))
    otp.request_code(MOBILE)
    new = last_code()
    assert (old, new) == ("123456", "654321")
    with pytest.raises(otp.OtpError):
        otp.verify_code(MOBILE, old)
    otp.verify_code(MOBILE, new)


def test_one_code_per_number_per_minute(db, clock, sms_outbox):
    otp.request_code(MOBILE)
    with pytest.raises(otp.OtpError, match="验证码发送过于频繁，请60秒后再试"):
        otp.request_code(MOBILE)
    clock.set(clock.start + dt.timedelta(seconds=45))
    with pytest.raises(otp.OtpError, match="请15秒后再试"):
        otp.request_code(MOBILE)
    otp.request_code("13900001234")  # another number is not held up
    clock.set(clock.start + dt.timedelta(seconds=60))
    otp.request_code(MOBILE)
    assert len(sms_outbox) == 3


def test_five_codes_an_hour(db, clock, sms_outbox):
    for minute in range(5):
        clock.set(clock.start + dt.timedelta(minutes=minute * 2))
        otp.request_code(MOBILE)
    clock.set(clock.start + dt.timedelta(minutes=10))
    with pytest.raises(otp.OtpError, match="验证码发送次数过多，请50分钟后再试"):
        otp.request_code(MOBILE)
    clock.set(clock.start + dt.timedelta(minutes=60, seconds=1))  # the first send left the hour
    otp.request_code(MOBILE)
    assert len(sms_outbox) == 6


def test_ten_codes_a_day(db, clock, sms_outbox):
    # 13 minutes apart: never more than five within an hour.
    for n in range(10):
        clock.set(clock.start + dt.timedelta(minutes=13 * n))
        otp.request_code(MOBILE)
    clock.set(clock.start + dt.timedelta(minutes=13 * 10))
    with pytest.raises(otp.OtpError, match="今日获取验证码次数已达上限"):
        otp.request_code(MOBILE)
    clock.set(clock.start + dt.timedelta(days=1, seconds=1))
    otp.request_code(MOBILE)
    assert len(sms_outbox) == 11
    assert len(MobileCode.objects.get().sent_times) <= 10  # old times are dropped


def test_a_failed_send_is_reported_and_does_not_count(db, monkeypatch, sms_outbox):
    def refuse(self, **kwargs):
        raise SmsError("gateway down")

    monkeypatch.setattr(ConsoleSmsBackend, "send", refuse)
    with pytest.raises(otp.OtpError, match="短信发送失败"):
        otp.request_code(MOBILE)
    row = MobileCode.objects.get()
    assert row.sent_times == [] and row.code_hash == ""
    monkeypatch.undo()
    otp.request_code(MOBILE)  # not held up by the minute limit
    assert len(sms_outbox) == 1


@pytest.mark.parametrize("value", ["", "1380000123", "23800001234", "abc"])
def test_an_invalid_number_is_refused_with_a_clear_message(value):
    with pytest.raises(otp.OtpError, match="有效的11位手机号码"):
        otp.clean_mobile(value)


def test_numbers_are_normalised(db):
    assert otp.clean_mobile("+86 138-0000-1234") == MOBILE
