"""Who sees and changes pairs. A pair is visible to readers (federation and chamber admins, staff,
auditors) over its enterprise/chamber or over its village; recorded by admins and staff over the
enterprise/chamber (its chamber, or a federation above)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from shanghui.accounts.models import User
from shanghui.donations.access import READER_ROLES, WRITER_ROLES, can_use_ledger
from shanghui.orgs.access import scope_for
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.pairing.models import Pair

can_use_pairing = can_use_ledger


def require_pairing(user: User) -> None:
    if not can_use_pairing(user):
        raise PermissionDenied("您的角色不能查看结对帮扶")


def pairs_for_user(user: User) -> QuerySet[Pair]:
    scope = scope_for(user)
    return Pair.objects.filter(
        scope.subtree_q("partner", roles=READER_ROLES) | scope.subtree_q("village", roles=READER_ROLES)
    )


def can_write_pair(user: User, pair: Pair) -> bool:
    return scope_for(user).covers(pair.partner, roles=WRITER_ROLES)


def get_pair_for_user(user: User, pair_id: int, *, write: bool = False) -> Pair:
    pair = (
        pairs_for_user(user)
        .select_related("partner", "village", "village__village_profile")
        .filter(pk=pair_id)
        .first()
    )
    if pair is None:
        raise Http404("结对不存在或无权查看")
    if write and not can_write_pair(user, pair):
        raise PermissionDenied("您没有登记该结对的权限")
    return pair


def partner_choices(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        scope_for(user).subtree_q(roles=WRITER_ROLES),
        kind__in=[OrgKind.ENTERPRISE, OrgKind.CHAMBER],
        is_active=True,
    ).order_by("path")


def village_choices() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrgKind.VILLAGE, is_active=True).order_by("name")
