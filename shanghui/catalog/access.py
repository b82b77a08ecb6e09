"""Who reads and who changes the catalogue on the staff pages. The only place these rules live.

* An item belongs to a department. Federation admins edit the items of every department under their
  federation; department admins edit their own department's items.
* Staff who work with the catalogue (admins, federation and chamber staff, agents, window clerks,
  auditors) read the whole catalogue of their city: every department under the root federation of one
  of their memberships. The catalogue is public information, but the staff pages (versions, import jobs,
  exports) are not for everyone: mediators, lecturers, party officers and people without a role get 404.
* Imports belong to a federation (the owner); federation admins run them.
* Synonyms are one table for the whole search: federation admins edit them, federation staff and
  auditors read them.
* A proxy point's offer: the chamber admin of the chamber that owns the point, an agent of the point,
  or a federation admin above it.

Not visible → Http404; visible but not writable → PermissionDenied (403).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from shanghui.accounts.models import User
from shanghui.catalog.models import ImportJob, ServiceItem, Synonym
from shanghui.orgs.access import scope_for
from shanghui.orgs.models import PATH_STEP, Organisation, OrgKind, Role

EDITOR_ROLES = frozenset({Role.FEDERATION_ADMIN, Role.DEPARTMENT_ADMIN})
READER_ROLES = frozenset(
    {
        Role.FEDERATION_ADMIN,
        Role.FEDERATION_STAFF,
        Role.CHAMBER_ADMIN,
        Role.CHAMBER_STAFF,
        Role.AGENT,
        Role.DEPARTMENT_ADMIN,
        Role.WINDOW_CLERK,
        Role.AUDITOR,
    }
)
SYNONYM_READER_ROLES = frozenset({Role.FEDERATION_ADMIN, Role.FEDERATION_STAFF, Role.AUDITOR})
POINT_EDITOR_ROLES = frozenset({Role.FEDERATION_ADMIN, Role.CHAMBER_ADMIN, Role.AGENT})


# --- the catalogue --------------------------------------------------------------------------------


def can_read_catalogue(user: User) -> bool:
    return scope_for(user).has_role(*READER_ROLES)


def _reader_roots_q(user: User, field: str = "") -> Q:
    """Rows whose organisation (through `field`) lies under the root federation of a reader role."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    prefix = f"{field}__path__startswith" if field else "path__startswith"
    q = Q(pk__in=[])
    for root in sorted({path[:PATH_STEP] for path in scope.paths(READER_ROLES)}):
        q |= Q(**{prefix: root})
    return q


def items_for_user(user: User) -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(_reader_roots_q(user, "department"))


def departments_for_user(user: User) -> QuerySet[Organisation]:
    """Departments whose items the user reads (the department filter of the list)."""
    return Organisation.objects.filter(_reader_roots_q(user), kind=OrgKind.DEPARTMENT)


def editable_departments(user: User) -> QuerySet[Organisation]:
    """Departments in which the user may create and edit items."""
    return Organisation.objects.filter(
        scope_for(user).subtree_q(roles=EDITOR_ROLES), kind=OrgKind.DEPARTMENT, is_active=True
    )


def can_edit_item(user: User, item: ServiceItem) -> bool:
    return scope_for(user).covers(item.department, roles=EDITOR_ROLES)


def can_create_items(user: User) -> bool:
    scope = scope_for(user)
    return scope.is_superuser or (scope.has_role(*EDITOR_ROLES) and editable_departments(user).exists())


def get_item_for_user(user: User, item_id: int, *, write: bool = False) -> ServiceItem:
    item = items_for_user(user).filter(pk=item_id).select_related("department", "parent").first()
    if item is None:
        raise Http404("事项不存在或无权查看")
    if write and not can_edit_item(user, item):
        raise PermissionDenied("您没有修改该事项的权限")
    return item


# --- imports and exports ----------------------------------------------------------------------------


def import_owners(user: User) -> QuerySet[Organisation]:
    """Federations the user may import into: those under a federation admin role."""
    return Organisation.objects.filter(
        scope_for(user).subtree_q(roles=[Role.FEDERATION_ADMIN]), kind=OrgKind.FEDERATION, is_active=True
    ).order_by("path")


def can_import(user: User) -> bool:
    return scope_for(user).has_role(Role.FEDERATION_ADMIN)


def import_jobs_for_user(user: User) -> QuerySet[ImportJob]:
    scope = scope_for(user)
    return ImportJob.objects.filter(
        scope.subtree_q("owner", roles=[Role.FEDERATION_ADMIN]) | Q(created_by=user)
    )


def get_import_job_for_user(user: User, job_id: int) -> ImportJob:
    job = import_jobs_for_user(user).filter(pk=job_id).select_related("owner", "created_by").first()
    if job is None:
        raise Http404("导入任务不存在或无权查看")
    return job


# --- synonyms -------------------------------------------------------------------------------------


def can_read_synonyms(user: User) -> bool:
    return scope_for(user).has_role(*SYNONYM_READER_ROLES)


def can_edit_synonyms(user: User) -> bool:
    return scope_for(user).has_role(Role.FEDERATION_ADMIN)


def get_synonym_for_user(user: User, synonym_id: int, *, write: bool = False) -> Synonym:
    if not can_read_synonyms(user):
        raise Http404("同义词不存在或无权查看")
    synonym = Synonym.objects.filter(pk=synonym_id).first()
    if synonym is None:
        raise Http404("同义词不存在或无权查看")
    if write and not can_edit_synonyms(user):
        raise PermissionDenied("您没有修改同义词的权限")
    return synonym


# --- proxy point offers ------------------------------------------------------------------------------


def points_for_user(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(scope_for(user).subtree_q(), kind=OrgKind.PROXY_POINT)


def can_configure_point(user: User, point: Organisation) -> bool:
    # The roles are held at three levels: a federation above, the chamber that owns the point, the
    # point itself (agents). A chamber admin's subtree is their own chamber's points only.
    return scope_for(user).covers(point, roles=POINT_EDITOR_ROLES)


def get_point_for_user(user: User, point_id: int, *, write: bool = False) -> Organisation:
    point = points_for_user(user).filter(pk=point_id).select_related("parent").first()
    if point is None:
        raise Http404("代办点不存在或无权查看")
    if write and not can_configure_point(user, point):
        raise PermissionDenied("您没有修改该代办点事项设置的权限")
    return point
