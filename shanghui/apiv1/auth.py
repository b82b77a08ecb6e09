"""Who is calling: a personal API token (`Authorization: Bearer shp_…`) or the session of the web pages.

The token is tried first, so a client that sends one is never mistaken for the browser's session. A token
that is unknown, revoked or expired is refused with its reason (401); no token and no session is a 401
too. A session may write only with a valid CSRF token (the pages' htmx sends X-CSRFToken); a read-only
token may not write at all (403). What the caller may see and do after that is the business of the
same access.py functions the pages use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from shanghui.accounts.models import ApiToken, User
from shanghui.accounts.tokens import check_token
from shanghui.apiv1.errors import ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """`request.auth` of every /api/v1/ endpoint."""

    user: User
    token: ApiToken | None = None  # None: the browser's session

    @property
    def can_write(self) -> bool:
        return self.token is None or self.token.can_write

    @property
    def rate_key(self) -> str:
        return f"t{self.token.pk}" if self.token is not None else f"u{self.user.pk}"


def _admit(request: HttpRequest, principal: Principal) -> Principal:
    if request.method not in SAFE_METHODS and not principal.can_write:
        raise ApiError(403, "该 API 令牌只读，不能执行写操作；请使用“读写”权限的令牌")
    return principal


class TokenAuth(HttpBearer):
    """A personal API token made on the “API 令牌” page (shanghui/accounts/tokens.py)."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header, "")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None  # no token: the session may still authenticate
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        found, problem = check_token(token)
        if found is None:
            raise ApiError(401, problem.value if problem else "API 令牌无效")
        return _admit(request, Principal(user=found.user, token=found))


class SessionAuth(APIKeyCookie):
    """The logged-in browser (the pages' own scripts). Unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # ninja's cookie authenticators check CSRF before knowing whether anyone is logged in, which
        # would answer an anonymous POST with 403 instead of 401; the check is in authenticate().
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = getattr(request, "user", None)
        if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise ApiError(403, "CSRF 校验失败，请刷新页面后再试")
        return _admit(request, Principal(user=user, token=None))


def principal_of(request: HttpRequest) -> Principal:
    auth = getattr(request, "auth", None)
    assert isinstance(auth, Principal), "every /api/v1/ endpoint is authenticated"
    return auth


def user_of(request: HttpRequest) -> User:
    return principal_of(request).user
