from __future__ import annotations

from django.http import HttpRequest

from shanghui.accounts.models import User


def staff_user(request: HttpRequest) -> User:
    """The logged-in account of a view behind login_required (typed for the access functions)."""
    user = request.user
    assert isinstance(user, User)
    return user
