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

from shanghui.accounts.models import User
from shanghui.orgs.models import ADMIN_ROLES, Membership, Organisation, OrgKind, Role


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


# --- Organisations --------------------------------------------------------------------------------


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


def parent_choices_for_user(user: User) -> QuerySet[Organisation]:
    """Where an admin may create a new organisation: anywhere under the orgs they administer."""
    return Organisation.objects.filter(scope_for(user).subtree_q(roles=ADMIN_ROLES), is_active=True).exclude(
        kind__in=[OrgKind.PROXY_POINT, OrgKind.WINDOW, OrgKind.ENTERPRISE, OrgKind.VILLAGE]
    )


# --- Members (users) ------------------------------------------------------------------------------


def members_for_user(user: User) -> QuerySet[User]:
    """Users holding a role in an organisation this user sees."""
    scope = scope_for(user)
    if scope.is_superuser:
        return User.objects.all()
    visible = Membership.objects.filter(scope.subtree_q("organisation")).values("user_id")
    return User.objects.filter(pk__in=visible)


def can_admin_member(user: User, member: User) -> bool:
    """An admin may edit a person only when every role that person holds lies under the admin's
    reach: a chamber admin cannot reset the password of a federation officer who is also a member."""
    scope = scope_for(user)
    if scope.is_superuser:
        return True
    if member.is_superuser:
        return False
    orgs = [m.organisation for m in member.memberships.select_related("organisation")]
    return bool(orgs) and all(scope.covers(org, roles=ADMIN_ROLES) for org in orgs)


def get_member_for_user(user: User, member_id: int, *, write: bool = False) -> User:
    member = members_for_user(user).filter(pk=member_id).first()
    if member is None:
        raise Http404("成员不存在或无权查看")
    if write and not can_admin_member(user, member):
        raise PermissionDenied("您没有修改该成员的权限")
    return member


def assignable_roles(user: User, org: Organisation) -> list[tuple[str, str]]:
    """Roles this user may grant in `org`: those valid for the organisation's kind, if the user
    administers it. Federation admin roles can be granted only by an admin of a federation above."""
    from shanghui.orgs.models import ROLE_ORG_KINDS

    if not can_admin_org(user, org):
        return []
    return [(role.value, role.label) for role in Role if org.kind in ROLE_ORG_KINDS[role]]
