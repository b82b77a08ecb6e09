"""Personal API tokens: create (shown once), authenticate, revoke. Used by the REST API (/api/v1/) and
as the Open311 `api_key`."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from enum import Enum

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from shanghui.accounts.models import ApiToken, User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.orgs.models import Organisation

TOKEN_PREFIX = "shp_"  # noqa: S105 (a marker that makes leaked tokens recognisable, not a secret)
# last_used_at is written at most this often per token: a busy client must not turn every read into a write.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


class TokenProblem(Enum):
    MISSING = "未提供 API 令牌"
    UNKNOWN = "API 令牌无效"
    REVOKED = "API 令牌已吊销"
    EXPIRED = "API 令牌已过期"
    INACTIVE = "令牌所属账号已停用"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_token(
    *,
    actor: User,
    user: User,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_at: dt.datetime | None = None,
    organisation: Organisation | None = None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `user` (people create their own: actor == user). Returns the row and the raw
    token, which is never stored and cannot be shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        organisation=organisation,
        name=name.strip()[:60] or "未命名",
        prefix=raw[:12],
        key_hash=hash_token(raw),
        scope=scope,
        expires_at=expires_at,
    )
    record(
        actor=actor,
        action=AuditAction.API_TOKEN_CREATE,
        obj=token,
        request=request,
        detail={"scope": scope, "name": token.name},
    )
    return token, raw


@transaction.atomic
def revoke_token(*, actor: User, token: ApiToken, request: HttpRequest | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action=AuditAction.API_TOKEN_REVOKE, obj=token, request=request)
    return token


def check_token(raw: str | None) -> tuple[ApiToken | None, TokenProblem | None]:
    """The token and None, or None and why it is refused (the message for a 401)."""
    if not raw:
        return None, TokenProblem.MISSING
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw.strip())).first()
    if token is None:
        return None, TokenProblem.UNKNOWN
    now = timezone.now()
    if token.revoked_at is not None:
        return None, TokenProblem.REVOKED
    if token.expires_at is not None and token.expires_at <= now:
        return None, TokenProblem.EXPIRED
    if not token.user.is_active:
        return None, TokenProblem.INACTIVE
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token, None


def authenticate(raw: str | None) -> ApiToken | None:
    return check_token(raw)[0]
