"""Who the volunteer of a request is: the mobile number proved with a one-time SMS code (the citizens'
login, accounts/citizen.py), or the mobile of the staff account logged in. The volunteer record is
found by that number; someone without one is asked for their name first (the profile page)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from shanghui.accounts import citizen
from shanghui.accounts.models import User
from shanghui.activities.models import Volunteer

View = Callable[..., HttpResponseBase]


def proved_mobile(request: HttpRequest) -> str:
    mobile = citizen.verified_mobile(request)
    if mobile:
        return mobile
    user = request.user
    if isinstance(user, User) and user.is_authenticated and user.mobile:
        return user.mobile
    return ""


def staff_account(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def current_volunteer(request: HttpRequest) -> Volunteer | None:
    mobile = proved_mobile(request)
    return Volunteer.objects.filter(mobile=mobile).first() if mobile else None


def login_url(request: HttpRequest, back: str | None = None) -> str:
    return f"{reverse('citizen:login')}?{urlencode({'next': back or request.get_full_path()})}"


def mobile_required(view: View) -> View:
    """A proved mobile number, or off to the code page and back here afterwards."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if proved_mobile(request):
            return view(request, *args, **kwargs)
        back = request.get_full_path() if request.method == "GET" else reverse("volunteer:me")
        return redirect(login_url(request, back))

    return wrapped


def volunteer_required(view: Callable[..., HttpResponseBase]) -> View:
    """The volunteer record of the proved number (passed as `volunteer`), or the profile page first."""

    @wraps(view)
    @mobile_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        volunteer = current_volunteer(request)
        if volunteer is None:
            back = request.get_full_path() if request.method == "GET" else reverse("volunteer:me")
            return redirect(f"{reverse('volunteer:profile')}?{urlencode({'next': back})}")
        return view(request, *args, volunteer=volunteer, **kwargs)

    return wrapped


def no_content() -> HttpResponse:
    return HttpResponse(status=204)
