"""Each channel client against a local server that plays the provider: signature and payload checked,
the provider's real success and error bodies answered, and the client's reading of them."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shanghui.notify.channels import aliyun_sms, dingtalk, wecom
from shanghui.notify.channels.base import ChannelError, truncate_utf8
from shanghui.notify.models import ChannelConfig, MessageFormat, OutboxMessage
from shanghui.notify.sms import SmsError
from shanghui.notify.tests.servers import AliyunSmsServer

pytestmark = pytest.mark.django_db


def robot(kind: str, webhook: str, *, secret: str = "", fmt: str = MessageFormat.MARKDOWN) -> ChannelConfig:
    # Unsaved: the clients need only the fields.
    return ChannelConfig(
        kind=kind, name="测试群", webhook_url=webhook, secret=secret, msg_format=fmt, enabled=True
    )


def message(**fields: object) -> OutboxMessage:
    defaults: dict[str, object] = dict(key="case:1:event:2:dingtalk:3", title="办件33080220261001000001：预审通过并转递",
                                       body="居民身份证办理 · 当前状态：已转递", url="/cases/1/",
                                       params={"mobiles": ["13900000001"]})  # fmt: skip
    defaults.update(fields)
    return OutboxMessage(**defaults)


# --- DingTalk -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [MessageFormat.MARKDOWN, MessageFormat.TEXT])
def test_dingtalk_signed_message_is_accepted_with_its_mentions(providers: SimpleNamespace, fmt: str) -> None:
    token = providers.ding.add_robot(secret="SECabc+/=123", keyword="商会+")
    config = robot("dingtalk", providers.ding.webhook(token), secret="SECabc+/=123", fmt=fmt)

    provider_id = dingtalk.send(message(), config)

    [body] = providers.ding.robots[token].messages
    assert provider_id.startswith("dingtalk:")
    assert body["msgtype"] == fmt
    assert body["at"] == {"atMobiles": ["13900000001"], "isAtAll": False}
    text = body["markdown"]["text"] if fmt == MessageFormat.MARKDOWN else body["text"]["content"]
    assert "@13900000001" in text and "预审通过并转递" in text and "http://127.0.0.1:8000/cases/1/" in text


def test_dingtalk_wrong_secret_is_refused_and_permanent(providers: SimpleNamespace) -> None:
    token = providers.ding.add_robot(secret="SECright")
    config = robot("dingtalk", providers.ding.webhook(token), secret="SECwrong")

    with pytest.raises(ChannelError) as refused:
        dingtalk.send(message(), config)

    assert not refused.value.retryable and refused.value.code == "310000"
    assert "加签校验未通过" in str(refused.value)
    assert providers.ding.robots[token].messages == []


def test_dingtalk_missing_keyword_and_unknown_token_are_permanent(providers: SimpleNamespace) -> None:
    token = providers.ding.add_robot(keyword="告警")
    with pytest.raises(ChannelError) as keyword:
        dingtalk.send(message(), robot("dingtalk", providers.ding.webhook(token)))
    with pytest.raises(ChannelError) as unknown:
        dingtalk.send(message(), robot("dingtalk", providers.ding.webhook("0" * 64)))

    assert not keyword.value.retryable and "自定义关键词" in str(keyword.value)
    assert not unknown.value.retryable and "access_token" in str(unknown.value)


def test_dingtalk_throttles_the_21st_message_in_a_minute(providers: SimpleNamespace) -> None:
    token = providers.ding.add_robot()
    config = robot("dingtalk", providers.ding.webhook(token))
    for _ in range(20):
        dingtalk.send(message(), config)

    with pytest.raises(ChannelError) as throttled:
        dingtalk.send(message(), config)

    assert throttled.value.rate_limited and throttled.value.retry_after == dt.timedelta(seconds=60)
    assert throttled.value.code == "130101"
    assert len(providers.ding.robots[token].messages) == 20


@pytest.mark.parametrize(
    ("errcode", "retryable"), [(-1, True), (400013, False), (400102, False), (410100, True), (123456, True)]
)
def test_dingtalk_error_codes(errcode: int, retryable: bool) -> None:
    error = dingtalk.explain(errcode, "whatever")
    assert error.retryable is retryable
    assert error.rate_limited is (errcode == 410100)


def test_a_webhook_outside_the_configured_api_is_never_called(providers: SimpleNamespace) -> None:
    elsewhere = robot("dingtalk", "http://127.0.0.1:9/robot/send?access_token=abc")
    with pytest.raises(ChannelError) as refused:
        dingtalk.send(message(), elsewhere)
    assert not refused.value.retryable and refused.value.code == "webhook"
    assert providers.ding.requests == 0


# --- WeCom ----------------------------------------------------------------------------------------


def test_wecom_text_with_mentions_is_cut_to_2048_bytes_on_a_character(providers: SimpleNamespace) -> None:
    key = providers.wecom.add_robot()
    config = robot("wecom", providers.wecom.webhook(key), fmt=MessageFormat.MARKDOWN)

    wecom.send(message(body="办" * 3000), config)  # 9,000 bytes of body

    [body] = providers.wecom.robots[key].messages
    content = body["text"]["content"]  # mentions force text: markdown cannot mention by mobile
    assert body["msgtype"] == "text" and body["text"]["mentioned_mobile_list"] == ["13900000001"]
    assert len(content.encode()) <= 2048 and "…" in content and "商会+" in content


def test_wecom_markdown_is_cut_to_4096_bytes(providers: SimpleNamespace) -> None:
    key = providers.wecom.add_robot()
    config = robot("wecom", providers.wecom.webhook(key), fmt=MessageFormat.MARKDOWN)

    wecom.send(message(body="事" * 3000, params={}), config)

    [body] = providers.wecom.robots[key].messages
    assert body["msgtype"] == "markdown"
    assert 4000 < len(body["markdown"]["content"].encode()) <= 4096


def test_wecom_invalid_key_is_permanent_and_frequency_limit_is_a_wait(providers: SimpleNamespace) -> None:
    key = providers.wecom.add_robot()
    config = robot("wecom", providers.wecom.webhook(key))
    with pytest.raises(ChannelError) as invalid:
        wecom.send(message(), robot("wecom", providers.wecom.webhook("not-a-key")))
    for _ in range(20):
        wecom.send(message(), config)
    with pytest.raises(ChannelError) as throttled:
        wecom.send(message(), config)

    assert not invalid.value.retryable and invalid.value.code == "93000"
    assert throttled.value.rate_limited and throttled.value.code == "45009"


@given(st.text(min_size=0, max_size=400), st.integers(min_value=3, max_value=600))
def test_truncation_never_splits_a_character(text: str, limit: int) -> None:
    cut = truncate_utf8(text, limit)
    assert len(cut.encode("utf-8")) <= limit
    assert cut == text or (cut.endswith("…") and text.startswith(cut[:-1]))


# --- Aliyun SMS -----------------------------------------------------------------------------------


def test_aliyun_send_is_signed_and_returns_the_biz_id(providers: SimpleNamespace) -> None:
    sent = aliyun_sms.AliyunSmsBackend().send(
        mobile="13800001234", template="case_update", out_id="case:1:event:2:sms",
        params={"number": "33080220261001000001", "status": "已转递", "query_code": "ABCD2345"},
    )  # fmt: skip

    [sms] = providers.sms.accepted
    assert sent.provider_id == sms.biz_id and sent.provider_id.endswith("^0")
    assert (sms.phone, sms.template_code, sms.out_id, sms.sign_name) == (
        "13800001234", "SMS_100002", "case:1:event:2:sms", "商会加",
    )  # fmt: skip
    assert sms.params["status"] == "已转递"


def test_aliyun_without_a_detail_template_sends_the_plain_update(providers: SimpleNamespace) -> None:
    # A deployment whose approved templates predate case_detail (the fake provider's list has none).
    aliyun_sms.AliyunSmsBackend().send(
        mobile="13800001234", template="case_detail",
        params={"number": "33080220261001000001", "status": "不予受理", "query_code": "ABCD2345",
                "detail": "原因：户籍不在本窗口辖区"},
    )  # fmt: skip
    [sms] = providers.sms.accepted
    assert sms.template_code == "SMS_100002" and "detail" not in sms.params
    assert sms.params["status"] == "不予受理"


def test_aliyun_signature_follows_the_documented_recipe() -> None:
    # The recipe, step by step, for a value with characters that percent-encoding treats specially.
    params = {"AccessKeyId": "id", "TemplateParam": '{"a":"b c*~"}', "Action": "SendSms"}
    canonical = "AccessKeyId=id&Action=SendSms&TemplateParam=%7B%22a%22%3A%22b%20c%2A~%22%7D"
    assert aliyun_sms.canonicalize(params) == canonical
    assert aliyun_sms.string_to_sign(params) == "POST&%2F&" + canonical.replace("%", "%25").replace(
        "=", "%3D"
    ).replace("&", "%26")


def test_aliyun_wrong_secret_is_permanent_and_the_echoed_number_is_not_kept(
    providers: SimpleNamespace, settings: object
) -> None:
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "wrong"  # type: ignore[attr-defined]
    with pytest.raises(SmsError) as refused:
        aliyun_sms.AliyunSmsBackend().send(mobile="13800001234", template="otp", params={"code": "123456"})

    assert not refused.value.retryable and refused.value.code == "SignatureDoesNotMatch"
    assert "13800001234" not in str(refused.value) and "123456" not in str(refused.value)
    assert providers.sms.accepted == []


@pytest.mark.parametrize(
    ("mobile", "template", "params", "code"),
    [
        ("12345", "otp", {"code": "1"}, "isv.MOBILE_NUMBER_ILLEGAL"),
        ("13800001234", "staff_notice", {}, "isv.TEMPLATE_MISSING_PARAMETERS"),
    ],
)
def test_aliyun_business_errors_are_permanent(
    providers: SimpleNamespace, mobile: str, template: str, params: dict[str, str], code: str
) -> None:
    with pytest.raises(SmsError) as refused:
        aliyun_sms.AliyunSmsBackend().send(mobile=mobile, template=template, params=params)
    assert refused.value.code == code and not refused.value.retryable


def test_aliyun_unapproved_signature_is_permanent(providers: SimpleNamespace, settings: object) -> None:
    settings.SMS_SIGNATURE = "别的签名"  # type: ignore[attr-defined]
    with pytest.raises(SmsError) as refused:
        aliyun_sms.AliyunSmsBackend().send(mobile="13800001234", template="otp", params={"code": "1"})
    assert refused.value.code == "isv.SMS_SIGNATURE_ILLEGAL" and not refused.value.retryable


def test_aliyun_one_code_a_minute_per_number(providers: SimpleNamespace) -> None:
    gateway = aliyun_sms.AliyunSmsBackend()
    gateway.send(mobile="13800001234", template="otp", params={"code": "111111"})

    with pytest.raises(SmsError) as second:
        gateway.send(mobile="13800001234", template="otp", params={"code": "222222"})
    other_number = gateway.send(mobile="13800005678", template="otp", params={"code": "333333"})
    providers.clock.advance(seconds=61)
    later = gateway.send(mobile="13800001234", template="otp", params={"code": "444444"})

    assert second.value.rate_limited and second.value.retry_after == dt.timedelta(minutes=1)
    assert "分钟级流控" in str(second.value)
    assert other_number.provider_id and later.provider_id
    assert len(providers.sms.accepted) == 3


def test_aliyun_look_up_by_out_id(providers: SimpleNamespace) -> None:
    gateway = aliyun_sms.AliyunSmsBackend()
    since = providers.clock()
    for i in range(60):  # more than one page of records for the number (two templates: 50 a day each)
        if i % 2:
            gateway.send(mobile="13800001234", template="staff_notice", params={"title": f"通知{i}"},
                         out_id=f"key:{i}")  # fmt: skip
        else:
            gateway.send(mobile="13800001234", template="case_update", out_id=f"key:{i}",
                         params={"number": str(i), "status": "已受理", "query_code": "ABCD2345"})  # fmt: skip
        providers.clock.advance(seconds=10)

    assert gateway.lookup(mobile="13800001234", out_id="key:55", since=since)
    assert gateway.lookup(mobile="13800001234", out_id="key:missing", since=since) is None
    assert gateway.lookup(mobile="13800005678", out_id="key:55", since=since) is None
    assert providers.sms.actions.count("QuerySendDetails") >= 4


def test_aliyun_server_outage_is_retryable(providers: SimpleNamespace) -> None:
    from shanghui.notify.tests.servers import Answer

    providers.sms.fail_next.append(Answer(503, {"Code": "ServiceUnavailable", "Message": "busy"}))
    with pytest.raises(SmsError) as outage:
        aliyun_sms.AliyunSmsBackend().send(mobile="13800001234", template="otp", params={"code": "1"})
    assert outage.value.retryable and not outage.value.rate_limited


def test_template_parameters_are_sent_as_strings(providers: SimpleNamespace) -> None:
    aliyun_sms.AliyunSmsBackend().send(
        mobile="13800001234", template="otp", params={"code": 123456, "minutes": 5}
    )
    assert providers.sms.accepted[0].params == {"code": "123456", "minutes": "5"}
    assert json.dumps(providers.sms.accepted[0].params)


def test_the_server_checks_what_it_documents() -> None:
    # The fake provider's own limits are the documented ones (so the tests above mean something).
    assert [(w, n) for w, n, _ in AliyunSmsServer.VERIFICATION_LIMITS] == [
        (dt.timedelta(minutes=1), 1), (dt.timedelta(hours=1), 5), (dt.timedelta(days=1), 10),
    ]  # fmt: skip
