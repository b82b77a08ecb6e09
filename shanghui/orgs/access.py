"""Who sees and who changes organisations and members. The only place these rules live.

The rule for every object type in Shanghui+ is built from one idea: a membership in an organisation
gives its holder the subtree under that organisation. What they may do there depends on the role.
Not visible → Http404; visible but not writable → PermissionDenied (403).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from shanghui.accounts.models import User
from shanghui.orgs.models import ADMIN_ROLES, ROLE_ORG_KINDS, Membership, Organisation, OrgKind, Role


@dataclass(frozen=True)
class Grant:
    role: str
    org_id: int
    org_kind: str
    path: str


class Scope:
    """The memberships of one user, loaded once per request (`request.user.scope`)."""

    def __init__(self, user: User) -> None:
        self.user = user

    @cached_property
    def grants(self) -> tuple[Grant, ...]:
        if not self.user.is_authenticated or not self.user.is_active:
            return ()
        rows = Membership.objects.filter(user=self.user, organisation__is_active=True).values_list(
            "role", "organisation_id", "organisation__kind", "organisation__path"
        )
        return tuple(Grant(*row) for row in rows)

    @property
    def is_superuser(self) -> bool:
        return bool(self.user.is_authenticated and self.user.is_active and self.user.is_superuser)

    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or any(g.role in roles for g in self.grants)

    def paths(self, roles: Iterable[str] | None = None) -> list[str]:
        wanted = set(roles) if roles is not None else None
        return sorted({g.path for g in self.grants if wanted is None or g.role in wanted})

    def subtree_q(self, field: str = "", roles: Iterable[str] | None = None) -> Q:
        """A Q matching rows whose organisation (reached through `field`) lies under one of this
        user's memberships (optionally only memberships with `roles`). Matches nothing when none."""
        if self.is_superuser:
            return Q()
        prefix = f"{field}__path__startswith" if field else "path__startswith"
        q = Q(pk__in=[])
        for path in self.paths(roles):
            q |= Q(**{prefix: path})
        return q

    def covers(self, org: Organisation, roles: Iterable[str] | None = None) -> bool:
        return self.is_superuser or any(org.path.startswith(p) for p in self.paths(roles))


def scope_for(user: User) -> Scope:
    # Cache on the user object so that one request loads the memberships once.
    cached = getattr(user, "_shanghui_scope", None)
    if cached is None:
        cached = Scope(user)
        user._shanghui_scope = cached  # type: ignore[attr-defined]  # per-request cache on the instance
    return cached


def scope_label(user: User, roles: Iterable[str], *, everything: str = "") -> str:
    """Whose figures a report of this user covers, for its title: the organisations in which they hold
    one of `roles` ("衢州市工商联、龙游县工商联"); `everything` (default "全部") for a superuser."""
    scope = scope_for(user)
    if scope.is_superuser:
        return everything or gettext("全部")
    wanted = set(roles)
    names = Organisation.objects.filter(
        pk__in=[g.org_id for g in scope.grants if g.role in wanted]
    ).values_list("name", flat=True)
    return "、".join(sorted(set(names))) or "—"


# --- Organisations --------------------------------------------------------------------------------


def has_any_role(user: User) -> bool:
    """Whether the organisation pages are for this user at all (an account without roles sees nothing)."""
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.grants)


def organisations_for_user(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(scope_for(user).subtree_q())


def can_admin_org(user: User, org: Organisation) -> bool:
    """Admins manage the organisations strictly below the one they hold the role in, and its own record."""
    return scope_for(user).covers(org, roles=ADMIN_ROLES)


def get_organisation_for_user(user: User, org_id: int, *, write: bool = False) -> Organisation:
    org = organisations_for_user(user).filter(pk=org_id).select_related("parent").first()
    if org is None:
        raise Http404("组织不存在或无权查看")
    if write and not can_admin_org(user, org):
        raise PermissionDenied("您没有修改该组织的权限")
    return org


def administers_above(user: User, org: Organisation) -> bool:
    """Whether the user holds an admin role strictly above `org` (not in `org` itself)."""
    scope = scope_for(user)
    return scope.is_superuser or any(
        org.path.startswith(p) and org.path != p for p in scope.paths(ADMIN_ROLES)
    )


def organisations_administered_by(user: User) -> QuerySet[Organisation]:
    """Where a user may add members and grant roles: every active organisation under an admin role."""
    return Organisation.objects.filter(scope_for(user).subtree_q(roles=ADMIN_ROLES), is_active=True)


def parent_choices_for_user(user: User) -> QuerySet[Organisation]:
    """Where an admin may create a new organisation: anywhere under the orgs they administer."""
    return Organisation.objects.filter(scope_for(user).subtree_q(roles=ADMIN_ROLES), is_active=True).exclude(
        kind__in=[OrgKind.PROXY_POINT, OrgKind.WINDOW, OrgKind.ENTERPRISE, OrgKind.VILLAGE]
    )


# --- Members (users) ------------------------------------------------------------------------------


# Roles whose holders use the member pages (masked data of the people in their subtree). Agents,
# clerks, mediators, lecturers and party officers see their colleagues on the home page only.
MEMBER_READER_ROLES = frozenset({*ADMIN_ROLES, Role.FEDERATION_STAFF, Role.CHAMBER_STAFF, Role.AUDITOR})


def can_view_members(user: User) -> bool:
    return scope_for(user).has_role(*MEMBER_READER_ROLES)


def members_for_user(user: User) -> QuerySet[User]:
    """Users holding a role in an organisation this user sees."""
    scope = scope_for(user)
    if scope.is_superuser:
        return User.objects.all()
    visible = Membership.objects.filter(scope.subtree_q("organisation")).values("user_id")
    return User.objects.filter(pk__in=visible)


def can_admin_member(user: User, member: User) -> bool:
    """An admin may edit a person only when every role that person holds lies under the admin's
    reach: a chamber admin cannot reset the password of a federation officer who is also a member,
    nor of the chamber's other admin (admins are managed from the level above)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return True
    if member.is_superuser:
        return False
    memberships = list(member.memberships.select_related("organisation"))
    # A peer admin (the second admin of the same chamber) counts as out of reach, like a superior.
    return bool(memberships) and all(_may_manage_role(user, m.organisation, m.role) for m in memberships)


def get_member_for_user(user: User, member_id: int, *, write: bool = False) -> User:
    member = members_for_user(user).filter(pk=member_id).first()
    if member is None:
        raise Http404("成员不存在或无权查看")
    if write and not can_admin_member(user, member):
        raise PermissionDenied("您没有修改该成员的权限")
    return member


def _may_manage_role(user: User, org: Organisation, role: str) -> bool:
    # Admin roles are handed out (and taken back) from above: a chamber admin cannot appoint or remove
    # a second admin of the same chamber, a county federation admin cannot appoint its own peers.
    return can_admin_org(user, org) and (role not in ADMIN_ROLES or administers_above(user, org))


def assignable_roles(user: User, org: Organisation) -> list[tuple[str, str]]:
    """Roles this user may grant in `org`: those valid for the organisation's kind, if the user
    administers it. Admin roles can be granted only by an admin of an organisation above."""
    if not can_admin_org(user, org):
        return []
    return [
        (role.value, str(role.label))
        for role in Role
        if org.kind in ROLE_ORG_KINDS[role] and _may_manage_role(user, org, role)
    ]


def can_revoke_membership(user: User, membership: Membership) -> bool:
    """Only memberships in organisations the user administers; admin roles only from above."""
    return _may_manage_role(user, membership.organisation, membership.role)
