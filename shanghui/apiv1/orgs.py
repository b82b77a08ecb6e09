"""/api/v1/orgs/ and /api/v1/members/: the organisation tree and the people in it, within the caller's
scope (shanghui/orgs/access.py), as the organisation and member pages show them: mobile numbers masked,
only the roles the caller may see.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from shanghui.accounts.models import User
from shanghui.apiv1.auth import user_of
from shanghui.apiv1.cursor import PageParams, keyset_page, page_of
from shanghui.apiv1.errors import with_errors
from shanghui.lib.bounds import Int
from shanghui.orgs.access import (
    can_view_members,
    get_member_for_user,
    get_organisation_for_user,
    has_any_role,
    members_for_user,
    organisations_for_user,
    scope_for,
)
from shanghui.orgs.forms import member_search_q
from shanghui.orgs.models import Membership, Organisation, OrgKind, Role

router = Router(tags=["组织与成员"])


def _require_roles(user: User) -> None:
    if not has_any_role(user):
        raise PermissionDenied("您的账号还没有在任何组织中担任角色")


def _require_member_reader(user: User) -> None:
    if not can_view_members(user):
        raise PermissionDenied("您的角色不能查看成员信息")


class OrgOut(Schema):
    id: int
    kind: OrgKind
    kind_label: str
    name: str
    short_name: str
    parent_id: int | None
    depth: int
    region_code: str
    federation_level: str
    chamber_kind: str
    city: str
    credit_code: str
    address: str
    contact_name: str
    contact_phone: str
    description: str
    is_active: bool


class OrgPage(Schema):
    items: list[OrgOut]
    next_cursor: str | None


class OrgFilters(PageParams):
    q: str = Field("", max_length=100, description="名称、简称或统一社会信用代码包含")
    kind: OrgKind | None = None
    under: Int | None = Field(None, description="只看该组织及其下级（组织 id）")
    active: bool | None = None


def org_json(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.pk,
        "kind": org.kind,
        "kind_label": str(org.get_kind_display()),
        "name": org.name,
        "short_name": org.short_name,
        "parent_id": org.parent_id,
        "depth": org.depth,
        "region_code": org.region_code,
        "federation_level": org.federation_level,
        "chamber_kind": org.chamber_kind,
        "city": org.city,
        "credit_code": org.credit_code,
        "address": org.address,
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone,
        "description": org.description,
        "is_active": org.is_active,
    }


@router.get("/orgs", response=with_errors({200: OrgPage}), summary="组织列表（按组织树顺序）")
def list_orgs(request: HttpRequest, filters: Query[OrgFilters]) -> dict[str, Any]:
    user = user_of(request)
    _require_roles(user)
    orgs = organisations_for_user(user)
    if q := filters.q.strip():
        orgs = orgs.filter(
            Q(name__icontains=q) | Q(short_name__icontains=q) | Q(credit_code__icontains=q.upper())
        )
    if filters.kind is not None:
        orgs = orgs.filter(kind=filters.kind)
    if filters.under is not None:
        under = get_organisation_for_user(user, filters.under)
        orgs = orgs.filter(path__startswith=under.path)
    if filters.active is not None:
        orgs = orgs.filter(is_active=filters.active)
    # `path` is unique and orders the tree: a keyset of its own.
    rows, cursor = keyset_page(orgs, filters, keys=[("path", str)], descending=False)
    return page_of(rows, cursor, org_json)


@router.get("/orgs/{org_id}", response=with_errors({200: OrgOut}), summary="组织详情")
def get_org(request: HttpRequest, org_id: Int) -> dict[str, Any]:
    return org_json(get_organisation_for_user(user_of(request), org_id))


class RoleOut(Schema):
    organisation: int
    organisation_name: str
    role: Role
    role_label: str
    title: str


class MemberOut(Schema):
    id: int
    username: str
    name: str
    mobile: str = Field(description="脱敏，如 138****1234")
    email: str
    is_active: bool
    last_login: dt.datetime | None
    roles: list[RoleOut] = Field(description="您能看到的角色（您所在组织及其下级中的角色）")


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class MemberFilters(PageParams):
    q: str = Field("", max_length=100, description="姓名、用户名或手机号（首 3 位、尾 4 位或完整号码）")
    org: Int | None = Field(None, description="只看在该组织（含下级）任职的成员")
    role: Role | None = None
    active: bool | None = None


def _visible_memberships(user: User) -> Prefetch:
    # Only the roles the caller may see: a chamber admin does not learn that one of its members also
    # works for the federation (as orgs.views._visible_memberships).
    held = Membership.objects.filter(scope_for(user).subtree_q("organisation")).select_related("organisation")
    return Prefetch(
        "memberships", queryset=held.order_by("organisation__path", "role"), to_attr="visible_memberships"
    )


def member_json(member: User) -> dict[str, Any]:
    return {
        "id": member.pk,
        "username": member.username,
        "name": member.name,
        "mobile": member.masked_mobile,
        "email": member.email,
        "is_active": member.is_active,
        "last_login": member.last_login,
        "roles": [
            {
                "organisation": m.organisation_id,
                "organisation_name": m.organisation.name,
                "role": m.role,
                "role_label": str(m.get_role_display()),
                "title": m.title,
            }
            for m in getattr(member, "visible_memberships", [])
        ],
    }


def _members(user: User, filters: MemberFilters, org: Organisation | None) -> QuerySet[User]:
    members = members_for_user(user)
    if q := filters.q.strip():
        members = members.filter(member_search_q(q))
    if org is not None or filters.role is not None:
        # Both conditions on the same membership, and only memberships the caller may see.
        held = Membership.objects.filter(scope_for(user).subtree_q("organisation"))
        if org is not None:
            held = held.filter(organisation__path__startswith=org.path)
        if filters.role is not None:
            held = held.filter(role=filters.role)
        members = members.filter(pk__in=held.values("user_id"))
    if filters.active is not None:
        members = members.filter(is_active=filters.active)
    return members.prefetch_related(_visible_memberships(user))


@router.get("/members", response=with_errors({200: MemberPage}), summary="成员列表")
def list_members(request: HttpRequest, filters: Query[MemberFilters]) -> dict[str, Any]:
    user = user_of(request)
    _require_member_reader(user)
    org = get_organisation_for_user(user, filters.org) if filters.org is not None else None
    rows, cursor = keyset_page(_members(user, filters, org), filters, keys=[("id", int)], descending=False)
    return page_of(rows, cursor, member_json)


@router.get(
    "/orgs/{org_id}/members", response=with_errors({200: MemberPage}), summary="某组织（含下级）的成员"
)
def list_org_members(request: HttpRequest, org_id: Int, filters: Query[MemberFilters]) -> dict[str, Any]:
    user = user_of(request)
    org = get_organisation_for_user(user, org_id)
    _require_member_reader(user)
    rows, cursor = keyset_page(_members(user, filters, org), filters, keys=[("id", int)], descending=False)
    return page_of(rows, cursor, member_json)


@router.get("/members/{member_id}", response=with_errors({200: MemberOut}), summary="成员详情")
def get_member(request: HttpRequest, member_id: Int) -> dict[str, Any]:
    user = user_of(request)
    _require_member_reader(user)
    member = get_member_for_user(user, member_id)
    held = list(
        Membership.objects.filter(scope_for(user).subtree_q("organisation"), user=member)
        .select_related("organisation")
        .order_by("organisation__path", "role")
    )
    member.visible_memberships = held  # type: ignore[attr-defined]  # as the list's Prefetch to_attr
    return member_json(member)
