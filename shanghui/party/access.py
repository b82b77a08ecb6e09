"""Who sees and changes party-building records. The only place these rules live; pages and API use it.

Federation admins, staff and party officers see the chambers below them; a chamber's admins, staff and
party officers see their own chamber; auditors read. A department reviewer sees a candidate only
through the review chain (reviews/access.py). Not visible → 404; visible, read-only → 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from shanghui.accounts.models import User
from shanghui.orgs.access import scope_for
from shanghui.orgs.models import Organisation, OrgKind, Role
from shanghui.party.models import Candidate, Deed, Election, PartyOrganisation

WRITER_ROLES = (
    Role.FEDERATION_ADMIN, Role.FEDERATION_STAFF, Role.PARTY_OFFICER, Role.CHAMBER_ADMIN, Role.CHAMBER_STAFF,
)  # fmt: skip
READER_ROLES = (*WRITER_ROLES, Role.AUDITOR)
FEDERATION_ROLES = (Role.FEDERATION_ADMIN, Role.FEDERATION_STAFF, Role.PARTY_OFFICER)


def can_use(user: User) -> bool:
    return scope_for(user).has_role(*READER_ROLES)


def require_use(user: User) -> None:
    if not can_use(user):
        raise PermissionDenied("您的角色不能使用党建模块")


def chambers_for_user(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(scope_for(user).subtree_q(roles=READER_ROLES), kind=OrgKind.CHAMBER)


def can_write_chamber(user: User, chamber: Organisation) -> bool:
    return scope_for(user).covers(chamber, roles=WRITER_ROLES)


def federation_covers(user: User, chamber: Organisation) -> bool:
    """A federation role above the chamber: publishes candidate lists, manages publicity."""
    scope = scope_for(user)
    return scope.is_superuser or any(
        chamber.path.startswith(g.path) and g.org_kind == OrgKind.FEDERATION
        for g in scope.grants
        if g.role in FEDERATION_ROLES
    )


def party_orgs_for_user(user: User) -> QuerySet[PartyOrganisation]:
    scope = scope_for(user)
    if scope.is_superuser:
        return PartyOrganisation.objects.all()
    ids = PartyOrganisation.objects.filter(scope.subtree_q("chambers", roles=READER_ROLES)).values("pk")
    return PartyOrganisation.objects.filter(pk__in=ids)


def get_party_org_for_user(user: User, pk: int, *, write: bool = False) -> PartyOrganisation:
    org = party_orgs_for_user(user).filter(pk=pk).first()
    if org is None:
        raise Http404("党组织不存在或无权查看")
    if write and not all(can_write_chamber(user, c) for c in org.chambers.all()):
        raise PermissionDenied("您不能修改该党组织")
    return org


def elections_for_user(user: User) -> QuerySet[Election]:
    return Election.objects.filter(scope_for(user).subtree_q("chamber", roles=READER_ROLES))


def get_election_for_user(user: User, pk: int, *, write: bool = False) -> Election:
    election = elections_for_user(user).select_related("chamber").filter(pk=pk).first()
    if election is None:
        raise Http404("换届不存在或无权查看")
    if write and not can_write_chamber(user, election.chamber):
        raise PermissionDenied("您不能修改该换届")
    return election


def candidates_for_user(user: User) -> QuerySet[Candidate]:
    return Candidate.objects.filter(scope_for(user).subtree_q("election__chamber", roles=READER_ROLES))


def get_candidate_for_user(user: User, pk: int, *, write: bool = False) -> Candidate:
    candidate = candidates_for_user(user).select_related("election__chamber").filter(pk=pk).first()
    if candidate is None:
        raise Http404("候选人不存在或无权查看")
    if write and not can_write_chamber(user, candidate.election.chamber):
        raise PermissionDenied("您不能修改该候选人")
    return candidate


def deeds_for_user(user: User) -> QuerySet[Deed]:
    return Deed.objects.filter(scope_for(user).subtree_q("chamber", roles=READER_ROLES))


def visible_q(user: User, field: str) -> Q:
    return scope_for(user).subtree_q(field, roles=READER_ROLES)
