"""WeCom (企业微信) group robot: POST JSON to https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… .

* Text: `{"msgtype": "text", "text": {"content": …, "mentioned_mobile_list": [...]}}`, content at most
  2,048 bytes of UTF-8. Markdown: `{"msgtype": "markdown", "markdown": {"content": …}}`, at most 4,096
  bytes; markdown cannot mention by mobile number, so a message with people to @-mention goes as text.
  Longer contents are cut on a character boundary and end with an ellipsis.
* Answers are HTTP 200 with `{"errcode": 0, "errmsg": "ok"}`; 45009 "api freq out of limit" when the
  robot sent more than 20 messages in a minute; 93000 "invalid webhook url" when the key is wrong or
  the robot was removed. No signing: the key in the URL is the credential.
"""

from __future__ import annotations

import datetime as dt
import time
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

PATH = "/cgi-bin/webhook/send"
TOKEN_PARAM = "key"  # noqa: S105  (the name of the query parameter, not a token)
LIMITS: Limits = ((dt.timedelta(minutes=1), 20),)
TEXT_MAX_BYTES = 2048
MARKDOWN_MAX_BYTES = 4096
RATE_LIMIT_WAIT = dt.timedelta(seconds=60)
SIGNATURE = "—— 商会+"

# Errors of our own request: sending the same request again cannot succeed.
BAD_REQUEST = {
    40008: "不支持的消息类型",
    40058: "消息参数不合法",
    44004: "消息内容为空",
}


def valid_webhook(url: str) -> bool:
    return webhook_under(url, settings.WECOM_API_BASE, PATH, TOKEN_PARAM)


def payload(message: OutboxMessage, config: ChannelConfig) -> dict[str, Any]:
    mobiles = [str(m) for m in message.params.get("mobiles", [])]
    link = absolute_url(message.url)
    if config.msg_format == MessageFormat.MARKDOWN and not mobiles:
        head = f"### {message.title}\n"
        tail = "\n".join(p for p in [f"[查看详情]({link})" if link else "", f"> {SIGNATURE}"] if p)
        room = MARKDOWN_MAX_BYTES - len(head.encode()) - len(tail.encode()) - 2
        content = f"{head}{truncate_utf8(message.body, max(room, 0))}\n{tail}"
        return {"msgtype": "markdown", "markdown": {"content": truncate_utf8(content, MARKDOWN_MAX_BYTES)}}
    tail = "\n".join(p for p in [link, SIGNATURE] if p)
    room = TEXT_MAX_BYTES - len(message.title.encode()) - len(tail.encode()) - 2
    content = f"{message.title}\n{truncate_utf8(message.body, max(room, 0))}\n{tail}"
    text: dict[str, Any] = {"content": truncate_utf8(content, TEXT_MAX_BYTES)}
    if mobiles:
        text["mentioned_mobile_list"] = mobiles
    return {"msgtype": "text", "text": text}


def explain(errcode: int, errmsg: str) -> ChannelError:
    # WeCom appends a hint with the caller's IP and a link; the first clause is the meaning.
    short = errmsg.split(",")[0][:80]
    detail = f"（企业微信 errcode {errcode}：{short}）"
    if errcode == 45009:
        return ChannelError(
            "发送过于频繁（每个机器人每分钟最多20条），稍后自动重发" + detail,
            retry_after=RATE_LIMIT_WAIT, code=str(errcode),
        )  # fmt: skip
    if errcode == 93000:
        return ChannelError(
            "Webhook 地址无效（key 错误或机器人已被移出群），请重新复制" + detail,
            retryable=False,
            code="93000",
        )
    if errcode in BAD_REQUEST:
        return ChannelError(BAD_REQUEST[errcode] + detail, retryable=False, code=str(errcode))
    return ChannelError("企业微信返回错误" + detail, code=str(errcode))


def send(message: OutboxMessage, config: ChannelConfig) -> str:
    if not valid_webhook(config.webhook_url):
        raise ChannelError("Webhook 地址不是企业微信群机器人的地址", retryable=False, code="webhook")
    answer = post_json(config.webhook_url, payload(message, config))
    if answer.status >= 500:
        raise ChannelError(f"企业微信服务器错误（HTTP {answer.status}）", code=f"http{answer.status}")
    data = answer.json()
    errcode = data.get("errcode")
    if not isinstance(errcode, int):
        raise ChannelError(f"企业微信应答缺少 errcode（HTTP {answer.status}）")
    if errcode != 0:
        raise explain(errcode, str(data.get("errmsg", "")))
    return f"wecom:{int(time.time() * 1000)}"
