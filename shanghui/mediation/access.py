"""Who sees and who acts on disputes. The only place these rules live (pages and API both use it).

Confidential: a dispute is visible only to the admins of its committee, its mediators (assigned and not
recused) and its parties (on the phone, by the mobile number they proved). Chamber and federation staff
whose organisation lies above the committee's chamber see counts and statistics, never a dispute: for
them a dispute is a 404 like for anyone else. Opening a dispute as someone who is not its mediator (an
admin, a superuser) is recorded in the audit log (views call `opening_is_audited`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from shanghui.accounts.models import User
from shanghui.mediation.models import Assignment, Committee, CommitteeMember, Dispute, MemberRole, Party, Side
from shanghui.mediation.workflow import APPLICANT, COMMITTEE, MEDIATOR, RESPONDENT
from shanghui.orgs.access import scope_for, scope_label
from shanghui.orgs.models import Role

# Roles that see a committee's statistics when its chamber lies in their subtree.
STATS_ROLES = (
    Role.FEDERATION_ADMIN, Role.FEDERATION_STAFF, Role.CHAMBER_ADMIN, Role.CHAMBER_STAFF, Role.AUDITOR,
)  # fmt: skip
NOT_FOUND = "纠纷不存在或无权查看"


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def administered_committee_ids(user: User) -> list[int]:
    if not _active(user):
        return []
    return list(
        CommitteeMember.objects.filter(
            user=user, role=MemberRole.ADMIN, committee__is_active=True
        ).values_list("committee_id", flat=True)
    )


def disputes_for_user(user: User) -> QuerySet[Dispute]:
    if not _active(user):
        return Dispute.objects.none()
    if scope_for(user).is_superuser:
        return Dispute.objects.all()
    mine = Assignment.objects.filter(mediator=user, recused_at__isnull=True).values("dispute_id")
    return Dispute.objects.filter(Q(committee_id__in=administered_committee_ids(user)) | Q(pk__in=mine))


def actor_kinds(user: User, dispute: Dispute) -> set[str]:
    """The workflow roles this user holds on this dispute (empty: reads only, e.g. a superuser)."""
    kinds: set[str] = set()
    if dispute.committee_id in administered_committee_ids(user):
        kinds.add(COMMITTEE)
    if Assignment.objects.filter(dispute=dispute, mediator=user, recused_at__isnull=True).exists():
        kinds.add(MEDIATOR)
    return kinds


def get_dispute_for_user(user: User, dispute_id: int, *, write: bool = False) -> Dispute:
    dispute = (
        disputes_for_user(user)
        .select_related("committee", "committee__chamber")
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        raise Http404(NOT_FOUND)
    if write and not actor_kinds(user, dispute):
        raise PermissionDenied("您只能查看该纠纷，不能办理")
    return dispute


def opening_is_audited(kinds: set[str]) -> bool:
    """Every opening by someone who is not a party or the dispute's mediator is recorded."""
    return MEDIATOR not in kinds


# --- Parties on the phone ---------------------------------------------------------------------------


def disputes_for_mobile(mobile: str) -> QuerySet[Dispute]:
    if not mobile:
        return Dispute.objects.none()
    return Dispute.objects.filter(pk__in=Party.objects.filter(mobile=mobile).values("dispute_id"))


def party_kinds(mobile: str, dispute: Dispute) -> set[str]:
    sides = set(Party.objects.filter(dispute=dispute, mobile=mobile).values_list("side", flat=True))
    return {APPLICANT if side == Side.APPLICANT else RESPONDENT for side in sides}


def get_dispute_for_party(mobile: str, dispute_id: int) -> Dispute:
    dispute = disputes_for_mobile(mobile).select_related("committee").filter(pk=dispute_id).first()
    if dispute is None:
        raise Http404("纠纷不存在")
    return dispute


# --- Pages as a whole -------------------------------------------------------------------------------


def can_use_dispute_pages(user: User) -> bool:
    """The dispute list: committee admins, mediators on a roster, superusers."""
    if not _active(user):
        return False
    return (
        scope_for(user).is_superuser
        or CommitteeMember.objects.filter(user=user, committee__is_active=True).exists()
    )


def stats_committees(user: User) -> QuerySet[Committee]:
    """Whose figures this user sees: committees under their chamber or federation, and their own."""
    if not _active(user):
        return Committee.objects.none()
    scope = scope_for(user)
    if scope.is_superuser:
        return Committee.objects.all()
    own = CommitteeMember.objects.filter(user=user).values("committee_id")
    return Committee.objects.filter(scope.subtree_q("chamber", roles=STATS_ROLES) | Q(pk__in=own))


def stats_scope_label(user: User) -> str:
    """Whose disputes the statistics count, for the export's title: the chambers and federations of the
    user's statistics roles, and the committees they sit on outside them."""
    scope = scope_for(user)
    if scope.is_superuser:
        return gettext("全部调解委员会")
    names = [scope_label(user, STATS_ROLES)] if any(g.role in STATS_ROLES for g in scope.grants) else []
    outside = Committee.objects.filter(members__user=user).exclude(
        scope.subtree_q("chamber", roles=STATS_ROLES)
    )
    names += sorted(set(outside.values_list("name", flat=True)))
    return "、".join(names) or "—"


def can_see_statistics(user: User) -> bool:
    return stats_committees(user).exists()


def intake_committees(user: User) -> QuerySet[Committee]:
    """Where this user files disputes on someone's behalf: the committees they administer."""
    return Committee.objects.filter(pk__in=administered_committee_ids(user)).order_by("name")


def roster(committee: Committee) -> QuerySet[User]:
    return User.objects.filter(
        mediation_roles__committee=committee, mediation_roles__role=MemberRole.MEDIATOR, is_active=True
    ).order_by("name", "pk")
