"""{% conversation_panel owner_type owner_id %} and {% conversation_badge … %}: the conversation (代办群)
on any page that shows its owner; nothing when the person may not read it. `as_citizen=True` on the
citizen's pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext, gettext_noop

from shanghui.conversations.views import panel_context

register = template.Library()

# The words conversation.js shows, rendered into the page in its language (a json_script block:
# the Content-Security-Policy forbids inline scripts, not data). {name} marks a value the script fills in.
PANEL_TEXT = {
    "closed_4403": gettext_noop("您已无权查看此会话（可能已不再负责该办件）。请刷新页面。"),
    "closed_4401": gettext_noop("手机号验证已过期，请刷新页面重新验证后再进入代办群。"),
    "connecting": gettext_noop("连接中…"),
    "open": gettext_noop("已连接"),
    "closed": gettext_noop("已断开，正在重连"),
    "stopped": gettext_noop("已断开"),
    "me": gettext_noop("我（{name}）"),
    "internal": gettext_noop("内部备注（群众不可见）"),
    "file": gettext_noop("{name}（{size}）"),
    "reply": gettext_noop("回复"),
    "unread": gettext_noop("未读"),
    "read": gettext_noop("已读"),
    "read_by": gettext_noop("{count}人已读"),
    "names_separator": gettext_noop("、"),
    "quote": gettext_noop("{author}：{text}"),
    "load_failed": gettext_noop("加载失败，请稍后再试。"),
    "sending": gettext_noop("发送中…"),
    "queued": gettext_noop("排队中，稍后自动发送"),
    "waiting": gettext_noop("等待连接，恢复后自动发送"),
    "wait": gettext_noop("发送太频繁，{seconds} 秒后自动发送"),
    "too_fast": gettext_noop("发送太频繁"),
    "held": gettext_noop("{reason}。未发出的消息已排队，到时自动发送。"),
    "failed": gettext_noop("发送失败：{reason}"),
    "uploading": gettext_noop("上传中…"),
    "too_big": gettext_noop("文件超过 {mb} MB，请压缩后再发送"),
    "try_later": gettext_noop("请稍后再试"),
    "network": gettext_noop("网络异常，请稍后再试"),
    "join_failed": gettext_noop("加入失败，请稍后再试"),
}


def panel_text() -> dict[str, str]:
    """PANEL_TEXT in the active language."""
    return {key: gettext(msgid) for key, msgid in PANEL_TEXT.items()}


@register.inclusion_tag("conversations/_panel.html", takes_context=True)
def conversation_panel(
    context: dict[str, Any], owner_type: str, owner_id: int, as_citizen: bool = False
) -> dict[str, Any]:
    return {
        "panel": panel_context(context["request"], owner_type, int(owner_id), as_citizen=as_citizen),
        "csrf_token": context.get("csrf_token", ""),
        "text": panel_text(),
    }


@register.inclusion_tag("conversations/_badge.html", takes_context=True)
def conversation_badge(
    context: dict[str, Any], owner_type: str, owner_id: int, as_citizen: bool = False
) -> dict[str, Any]:
    return {"panel": panel_context(context["request"], owner_type, int(owner_id), as_citizen=as_citizen)}
