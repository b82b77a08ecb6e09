"""DingTalk custom group robot (自定义机器人): POST JSON to the webhook
https://oapi.dingtalk.com/robot/send?access_token=… .

* Messages: `{"msgtype": "text", "text": {"content": …}}` or `{"msgtype": "markdown", "markdown":
  {"title": …, "text": …}}`, with `"at": {"atMobiles": [...], "isAtAll": false}`; a mention shows only
  when the text also contains "@<mobile>", so the mobiles are written at the end of the text.
* Signing (安全设置 → 加签): timestamp in milliseconds, sign = urlencode(base64(HMAC-SHA256(key=secret,
  msg=f"{timestamp}\\n{secret}"))), appended to the webhook as `&timestamp=…&sign=…`. The timestamp
  must be within an hour of DingTalk's clock.
* Answers are HTTP 200 with `{"errcode": 0, "errmsg": "ok"}` on success; failures carry another
  errcode (below). 20 messages a minute per robot; past that DingTalk answers 130101 (or 410100)
  and throttles the robot for ten minutes, so the outbox keeps under the limit before sending.
* Keyword security (自定义关键词): the texts end with "商会+", so "商会+" works as the keyword.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import time
import urllib.parse
from typing import Any

from django.conf import settings

from shanghui.notify.channels.base import (
    ChannelError,
    Limits,
    absolute_url,
    post_json,
    truncate_utf8,
    webhook_under,
)
from shanghui.notify.models import ChannelConfig, MessageFormat, OutboxMessage

PATH = "/robot/send"
TOKEN_PARAM = "access_token"  # noqa: S105  (the name of the query parameter, not a token)
LIMITS: Limits = ((dt.timedelta(minutes=1), 20),)
# DingTalk refuses bodies over 20,000 bytes ("message too long, exceed 20000 bytes"); stay well under.
MAX_TEXT_BYTES = 18000
RATE_LIMIT_WAIT = dt.timedelta(seconds=60)
SIGNATURE = "—— 商会+"

RATE_LIMITED = {130101, 410100}
# errcode → what it means for the administrator; these cannot succeed by trying again.
PERMANENT = {
    300001: "Webhook 的 access_token 无效，请重新复制机器人的 Webhook 地址",
    300005: "Webhook 的 access_token 不存在，请重新复制机器人的 Webhook 地址",
    400101: "Webhook 的 access_token 不存在，请重新复制机器人的 Webhook 地址",
    400102: "机器人已停用，请在钉钉群设置中重新启用",
    400106: "机器人不存在，请重新复制机器人的 Webhook 地址",
    400013: "钉钉群已解散",
    400105: "不支持的消息类型",
}


def sign(timestamp_ms: int, secret: str) -> str:
    """The `sign` parameter, already URL-encoded (a raw base64 "+" would read as a space)."""
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def signed_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    if not secret:
        return webhook
    return f"{webhook}&timestamp={timestamp_ms}&sign={sign(timestamp_ms, secret)}"


def valid_webhook(url: str) -> bool:
    return webhook_under(url, settings.DINGTALK_API_BASE, PATH, TOKEN_PARAM)


def payload(message: OutboxMessage, config: ChannelConfig) -> dict[str, Any]:
    mobiles = [str(m) for m in message.params.get("mobiles", [])]
    mentions = " ".join(f"@{m}" for m in mobiles)
    link = absolute_url(message.url)
    if config.msg_format == MessageFormat.MARKDOWN:
        parts = [
            f"#### {message.title}",
            message.body,
            f"[查看详情]({link})" if link else "",
            SIGNATURE,
            mentions,
        ]
        text = "\n\n".join(p for p in parts if p)
        body: dict[str, Any] = {
            "msgtype": "markdown",
            "markdown": {"title": message.title, "text": truncate_utf8(text, MAX_TEXT_BYTES)},
        }
    else:
        parts = [message.title, message.body, link, SIGNATURE, mentions]
        text = "\n".join(p for p in parts if p)
        body = {"msgtype": "text", "text": {"content": truncate_utf8(text, MAX_TEXT_BYTES)}}
    body["at"] = {"atMobiles": mobiles, "isAtAll": False}
    return body


def explain(errcode: int, errmsg: str) -> ChannelError:
    """The error for a DingTalk answer other than errcode 0."""
    detail = f"（钉钉 errcode {errcode}：{errmsg}）"
    if errcode in RATE_LIMITED:
        return ChannelError(
            "发送过于频繁（每个机器人每分钟最多20条），稍后自动重发" + detail,
            retry_after=RATE_LIMIT_WAIT, code=str(errcode),
        )  # fmt: skip
    if errcode == 310000:
        lower = errmsg.lower()
        if "keyword" in lower:
            reason = "消息不含机器人设置的自定义关键词（可把关键词设为“商会+”）"
        elif "whitelist" in lower or "ip" in lower.split():
            reason = "服务器的IP地址不在机器人的IP白名单中"
        elif "timestamp" in lower:
            reason = "时间戳无效，请校准服务器时间"
        else:
            reason = "加签校验未通过，请核对加签密钥"
        return ChannelError(reason + detail, retryable=False, code=str(errcode))
    if errcode in PERMANENT:
        return ChannelError(PERMANENT[errcode] + detail, retryable=False, code=str(errcode))
    if errcode == -1:
        return ChannelError("钉钉系统繁忙" + detail, code=str(errcode))
    return ChannelError("钉钉返回错误" + detail, code=str(errcode))


def send(message: OutboxMessage, config: ChannelConfig) -> str:
    """Post `message` to the robot of `config`; returns a provider id (DingTalk gives none, so the
    time of acceptance), or raises ChannelError."""
    if not valid_webhook(config.webhook_url):
        raise ChannelError("Webhook 地址不是钉钉群机器人的地址", retryable=False, code="webhook")
    timestamp_ms = int(time.time() * 1000)
    answer = post_json(signed_url(config.webhook_url, config.secret, timestamp_ms), payload(message, config))
    if answer.status >= 500:
        raise ChannelError(f"钉钉服务器错误（HTTP {answer.status}）", code=f"http{answer.status}")
    data = answer.json()
    errcode = data.get("errcode")
    if not isinstance(errcode, int):
        raise ChannelError(f"钉钉应答缺少 errcode（HTTP {answer.status}）")
    if errcode != 0:
        raise explain(errcode, str(data.get("errmsg", ""))[:120])
    return f"dingtalk:{timestamp_ms}"
