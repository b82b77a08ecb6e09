"""Who may read the audit log. The only place this rule lives.

The audit log is the security record of the whole federation: a user holding the federation admin or
the auditor role in a top-level federation (the root of the organisation tree), or a superuser, sees
the whole chain, not only the rows about their own subtree.
That is deliberate, for simplicity and because a hash chain can only be checked as a whole; the rows
hold no personal data in clear (masked values and keyed hashes only). Anyone else gets 404, so that
the page does not reveal that it exists.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from shanghui.audit.models import AuditEntry
from shanghui.orgs.access import scope_for
from shanghui.orgs.models import PATH_STEP, OrgKind, Role

AUDIT_ROLES = (Role.FEDERATION_ADMIN, Role.AUDITOR)


def can_view_audit_log(user: Any) -> bool:
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    # A root path is one step long: the role is held at the top of the tree, not in a county or chamber.
    return scope.is_superuser or any(
        g.role in AUDIT_ROLES and g.org_kind == OrgKind.FEDERATION and len(g.path) == PATH_STEP
        for g in scope.grants
    )


def audit_entries_for_user(user: Any) -> QuerySet[AuditEntry]:
    if not can_view_audit_log(user):
        raise Http404("页面不存在")
    return AuditEntry.objects.all()
