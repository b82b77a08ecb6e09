"""Aliyun SMS (Dysmsapi, API version 2017-05-25), RPC style with signature version 1.0.

A request is a form POST to the endpoint (https://dysmsapi.aliyuncs.com/) with the common parameters
(AccessKeyId, Action, Format=JSON, RegionId, SignatureMethod=HMAC-SHA1, SignatureNonce,
SignatureVersion=1.0, Timestamp in UTC ISO 8601, Version) and the action's own. The signature:

    canonicalized = "&".join(encode(k) + "=" + encode(v) for k, v in sorted(params))
    StringToSign  = "POST&%2F&" + encode(canonicalized)
    Signature     = base64(HMAC-SHA1(key=AccessKeySecret + "&", msg=StringToSign))

where encode is RFC 3986 percent-encoding of UTF-8 (space → %20, "*" → %2A, "~" kept).

* SendSms: PhoneNumbers, SignName, TemplateCode, TemplateParam (JSON, string values), OutId (the outbox
  row key). Success: `{"Code": "OK", "Message": "OK", "BizId": "…^0", "RequestId": "…"}`. Business
  errors are HTTP 200 with another Code (`isv.BUSINESS_LIMIT_CONTROL` with "触发分钟级流控Permits:1" …);
  request errors (SignatureDoesNotMatch, InvalidAccessKeyId.NotFound) are HTTP 4xx, and their Message
  echoes the string to sign — phone number and parameters — so it is never kept.
* QuerySendDetails: PhoneNumber, SendDate (yyyyMMdd, Beijing), PageSize (≤ 50), CurrentPage; answers
  `{"Code": "OK", "TotalCount": n, "SmsSendDetailDTOs": {"SmsSendDetailDTO": [{"OutId": …,
  "SendDate": "2018-04-27 14:19:30", "SendStatus": 3, …}]}}`. The records carry the OutId but no BizId,
  so a message found by look-up is recorded with the time the provider accepted it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from shanghui.notify.channels.base import HttpAnswer, post
from shanghui.notify.sms import FALLBACK_TEMPLATES, SentSms, SmsError

VERSION = "2017-05-25"
BEIJING = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 50

RATE_LIMITED = "isv.BUSINESS_LIMIT_CONTROL"
# Code → meaning; trying again cannot help (an administrator fixes the configuration and resends).
PERMANENT = {
    "isv.MOBILE_NUMBER_ILLEGAL": "手机号码格式错误",
    "isv.SMS_TEMPLATE_ILLEGAL": "短信模板不存在或未审核通过",
    "isv.SMS_SIGNATURE_ILLEGAL": "短信签名不存在或未审核通过",
    "isv.TEMPLATE_MISSING_PARAMETERS": "短信模板变量缺少参数",
    "isv.INVALID_JSON_PARAM": "短信模板参数不是合法的JSON",
    "isv.PARAM_LENGTH_LIMIT": "短信模板参数超出长度限制",
    "SignatureDoesNotMatch": "签名校验未通过，请核对 AccessKey Secret",
    "InvalidAccessKeyId.NotFound": "AccessKey ID 不存在",
    "InvalidAccessKeyId.Inactive": "AccessKey 已停用",
}
RETRYABLE = {
    "isv.AMOUNT_NOT_ENOUGH": "短信账户余额不足",
    "isv.OUT_OF_SERVICE": "短信业务已停机",
    "isp.SYSTEM_ERROR": "短信服务商系统错误",
}


def percent_encode(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~")


def canonicalize(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def string_to_sign(params: dict[str, str], method: str = "POST") -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonicalize(params))}"


def signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(params, method).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def rate_limit_wait(message: str) -> dt.timedelta:
    """How long to wait after isv.BUSINESS_LIMIT_CONTROL, by the window its message names."""
    if "分钟" in message:
        return dt.timedelta(minutes=1)
    if "小时" in message:
        return dt.timedelta(minutes=10)
    return dt.timedelta(hours=1)


class AliyunSmsBackend:
    def __init__(self) -> None:
        self.endpoint = settings.ALIYUN_SMS_ENDPOINT.rstrip("/") + "/"
        self.key_id = settings.ALIYUN_SMS_ACCESS_KEY_ID
        self.secret = settings.ALIYUN_SMS_ACCESS_KEY_SECRET
        if not (self.key_id and self.secret):
            raise SmsError("未配置阿里云短信的 AccessKey", retryable=False, code="config")

    def _call(self, action: str, params: dict[str, str]) -> dict[str, Any]:
        full = {
            "AccessKeyId": self.key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": settings.ALIYUN_SMS_REGION,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": VERSION,
            **params,
        }
        body = canonicalize(full) + "&Signature=" + percent_encode(signature(full, self.secret))
        answer = post(self.endpoint, data=body.encode(), content_type="application/x-www-form-urlencoded")
        return self._check(answer)

    def _check(self, answer: HttpAnswer) -> dict[str, Any]:
        if answer.status >= 500:
            raise SmsError(f"阿里云短信服务器错误（HTTP {answer.status}）", code=f"http{answer.status}")
        data = answer.json()
        code = str(data.get("Code", ""))
        if answer.status == 200 and code == "OK":
            return data
        request_id = str(data.get("RequestId", ""))[:40]
        # Only business (isv.) messages are kept: request errors echo the signed string.
        message = str(data.get("Message", ""))[:60] if code.startswith("isv.") else ""
        detail = f"（阿里云 {code}{'：' + message if message else ''}，RequestId {request_id}）"
        if code == RATE_LIMITED:
            raise SmsError(
                "触发短信服务商的频率限制，稍后自动重发" + detail,
                retry_after=rate_limit_wait(message),
                code=code,
            )
        if code in PERMANENT:
            raise SmsError(PERMANENT[code] + detail, retryable=False, code=code)
        if code in RETRYABLE:
            raise SmsError(RETRYABLE[code] + detail, code=code)
        raise SmsError(
            f"阿里云短信返回错误（HTTP {answer.status}）" + detail, code=code or f"http{answer.status}"
        )

    def send(self, *, mobile: str, template: str, params: dict[str, Any], out_id: str = "") -> SentSms:
        template_code = settings.ALIYUN_SMS_TEMPLATES.get(template)
        if not template_code and template in FALLBACK_TEMPLATES:
            template, dropped = FALLBACK_TEMPLATES[template]
            template_code = settings.ALIYUN_SMS_TEMPLATES.get(template)
            params = {k: v for k, v in params.items() if k not in dropped}
        if not template_code:
            raise SmsError(f"短信模板 {template} 未配置阿里云模板编号（ALIYUN_SMS_TEMPLATES）", retryable=False,
                           code="template")  # fmt: skip
        request = {
            "PhoneNumbers": mobile,
            "SignName": settings.SMS_SIGNATURE,
            "TemplateCode": template_code,
            # Aliyun accepts string values only ({"code":"123456"}, not {"code":123456}).
            "TemplateParam": json.dumps({k: str(v) for k, v in params.items()}, ensure_ascii=False),
        }
        if out_id:
            request["OutId"] = out_id
        data = self._call("SendSms", request)
        return SentSms(provider_id=str(data.get("BizId", "")))

    def lookup(self, *, mobile: str, out_id: str, since: dt.datetime) -> str | None:
        # The provider files a message under the Beijing date it accepted it: the date of the attempt,
        # and the next one when the attempt was made just before midnight.
        days = sorted(
            {
                (since + delta).astimezone(BEIJING).date()
                for delta in (dt.timedelta(0), dt.timedelta(minutes=10))
            }
        )
        for day in days:
            page = 1
            while True:
                data = self._call(
                    "QuerySendDetails",
                    {"PhoneNumber": mobile, "SendDate": day.strftime("%Y%m%d"), "PageSize": str(PAGE_SIZE),
                     "CurrentPage": str(page)},
                )  # fmt: skip
                records = (data.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
                for record in records:
                    if record.get("OutId") == out_id:
                        return f"aliyun-outid@{record.get('SendDate', day.isoformat())}"
                if page * PAGE_SIZE >= int(data.get("TotalCount") or 0) or not records:
                    break
                page += 1
        return None
