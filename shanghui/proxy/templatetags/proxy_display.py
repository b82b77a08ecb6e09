"""How proxy cases read in templates, the same for staff and citizens: `{{ case.status|status_colour }}`
gives the Bootstrap colour of a status by its meaning (display.STATUS_COLOURS)."""

from __future__ import annotations

from django import template

from shanghui.proxy import display

register = template.Library()


@register.filter
def status_colour(status: str) -> str:
    return display.status_colour(status)
