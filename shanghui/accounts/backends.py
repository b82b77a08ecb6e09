from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from shanghui.accounts.models import User
from shanghui.lib.crypto import keyed_hash
from shanghui.lib.validators import is_valid_mobile, normalize_mobile


def find_user_for_login(login: str) -> User | None:
    """The account a typed login names: a username (any case) first, else a mobile number in any
    usual spelling (+86, spaces, dashes). Username first, so that the answer never depends on row
    order when someone's username happens to be another person's mobile number."""
    login = login.strip()
    if not login:
        return None
    user = User.objects.filter(username__iexact=login).first()
    if user is None:
        mobile = normalize_mobile(login)
        if is_valid_mobile(mobile):
            user = User.objects.filter(mobile=mobile).first()
    return user


def lockout_key(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str:
    """What django-axes counts failed logins under (settings.AXES_USERNAME_CALLABLE).

    One key per account, whatever the login was typed as: otherwise "FED_ADMIN", "Fed_Admin" and the
    mobile number would each get their own allowance of failures, and an attacker could multiply the
    guesses by varying the case. A login that names no account is keyed by its keyed hash, so that a
    mistyped mobile number never lands in clear in the lock-out table."""
    if credentials:
        login = credentials.get("username")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        login = data.get("username")
    login = str(login or "").strip()
    user = find_user_for_login(login)
    if user is not None:
        return user.get_username()
    return "?" + keyed_hash(login.lower())[:16] if login else ""


class UsernameOrMobileBackend(ModelBackend):
    """Staff log in with their username (any case) or their mobile number."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = find_user_for_login(username)
        if user is None:
            # Run the hasher anyway so that unknown and known logins take the same time.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
