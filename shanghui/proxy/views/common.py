"""What every staff page of proxy cases shares: the access check of the case pages, htmx, the way back
to the case page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext

from shanghui.accounts.models import User
from shanghui.proxy.access import can_use_case_pages


def require_case_pages(user: User) -> None:
    if not can_use_case_pages(user):
        raise PermissionDenied(gettext("您的角色不能查看代办件"))


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def back_to_case(request: HttpRequest, case_id: int, anchor: str = "") -> HttpResponse:
    url = reverse("proxy:detail", args=[case_id]) + (f"#{anchor}" if anchor else "")
    if is_htmx(request):
        response = HttpResponse()
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw or "")
    except ValueError:
        return None
