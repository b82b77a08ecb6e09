"""{% conversation_panel owner_type owner_id %} and {% conversation_badge … %}: the conversation (代办群)
on any page that shows its owner; nothing when the person may not read it. `as_citizen=True` on the
citizen's pages."""

from __future__ import annotations

from typing import Any

from django import template

from shanghui.conversations.views import panel_context

register = template.Library()


@register.inclusion_tag("conversations/_panel.html", takes_context=True)
def conversation_panel(
    context: dict[str, Any], owner_type: str, owner_id: int, as_citizen: bool = False
) -> dict[str, Any]:
    return {
        "panel": panel_context(context["request"], owner_type, int(owner_id), as_citizen=as_citizen),
        "csrf_token": context.get("csrf_token", ""),
    }


@register.inclusion_tag("conversations/_badge.html", takes_context=True)
def conversation_badge(
    context: dict[str, Any], owner_type: str, owner_id: int, as_citizen: bool = False
) -> dict[str, Any]:
    return {"panel": panel_context(context["request"], owner_type, int(owner_id), as_citizen=as_citizen)}
