"""Who approves an activity before it is published (立项). One step today: an administrator of the
activity's organisation or of one above it. The review chains of a later issue replace this module's two
functions (a chain's current step decides who may act; `approvers` is whom to tell); the workflow table
only names the actor kind APPROVER, and access.actor_kinds asks `can_approve`."""

from __future__ import annotations

from shanghui.accounts.models import User
from shanghui.activities.models import Activity
from shanghui.orgs.access import scope_for
from shanghui.orgs.models import ADMIN_ROLES, Membership


def can_approve(user: User, activity: Activity) -> bool:
    return scope_for(user).covers(activity.organisation, roles=ADMIN_ROLES)


def approvers(activity: Activity) -> list[User]:
    """The administrators of the activity's organisation and of those above it (whom to tell)."""
    org = activity.organisation
    paths = [org.path[:i] for i in range(10, len(org.path) + 1, 10)]
    ids = Membership.objects.filter(role__in=ADMIN_ROLES, organisation__path__in=paths).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))
