"""/api/v1/me: who the token (or session) acts as, and with which roles: the first call a client makes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from shanghui.apiv1.auth import principal_of
from shanghui.apiv1.errors import with_errors
from shanghui.orgs.models import Membership, Role
from shanghui.proxy.access import intake_points

router = Router(tags=["当前用户"])


class MyRoleOut(Schema):
    organisation: int
    organisation_name: str
    organisation_kind: str
    role: Role
    role_label: str


class TokenOut(Schema):
    name: str
    prefix: str
    scope: str = Field(description="read 只读 / write 读写")
    organisation: int | None = Field(description="代表机构 id（如代办点）")
    expires_at: dt.datetime | None
    created_at: dt.datetime


class PointOut(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    roles: list[MyRoleOut]
    intake_points: list[PointOut] = Field(description="您可以代为录入办件的代办点")
    token: TokenOut | None = Field(description="本次请求使用的令牌；使用登录会话时为 null")


@router.get("/me", response=with_errors({200: MeOut}), summary="当前用户、角色和令牌")
def me(request: HttpRequest) -> dict[str, Any]:
    principal = principal_of(request)
    user, token = principal.user, principal.token
    memberships = (
        Membership.objects.filter(user=user, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__path", "role")
    )
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "roles": [
            {
                "organisation": m.organisation_id,
                "organisation_name": m.organisation.name,
                "organisation_kind": m.organisation.kind,
                "role": m.role,
                "role_label": str(m.get_role_display()),
            }
            for m in memberships
        ],
        "intake_points": [{"id": p.pk, "name": p.name} for p in intake_points(user)],
        "token": {
            "name": token.name,
            "prefix": token.prefix,
            "scope": token.scope,
            "organisation": token.organisation_id,
            "expires_at": token.expires_at,
            "created_at": token.created_at,
        }
        if token is not None
        else None,
    }
