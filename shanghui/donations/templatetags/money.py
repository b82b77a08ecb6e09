"""{{ fen|yuan }} → ¥1,234.50 (money is kept in fen; shown in yuan)."""

from __future__ import annotations

from django import template

from shanghui.donations.money import yuan_text

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    return yuan_text(fen)
