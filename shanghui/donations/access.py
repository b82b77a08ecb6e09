"""Who sees and who changes the ledger. The only place these rules live (pages and API both call it).

A fund belongs to its organiser (a federation or a chamber). Federation and chamber admins, staff and
auditors over the organiser read it; admins and staff there record (经办人); admins there approve,
reverse, open and close (基金管理员). Auditors only read. Anyone else: 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from shanghui.accounts.models import User
from shanghui.donations.models import Disbursement, Fund, Gift, Pledge
from shanghui.donations.workflow import ADMIN, STAFF
from shanghui.orgs.access import scope_for
from shanghui.orgs.models import Organisation, OrgKind, Role

ADMIN_ROLES = frozenset({Role.FEDERATION_ADMIN, Role.CHAMBER_ADMIN})
WRITER_ROLES = frozenset({*ADMIN_ROLES, Role.FEDERATION_STAFF, Role.CHAMBER_STAFF})
READER_ROLES = frozenset({*WRITER_ROLES, Role.AUDITOR})


def can_use_ledger(user: User) -> bool:
    """Whether the ledger's pages are for this user at all (403 otherwise)."""
    return scope_for(user).has_role(*READER_ROLES)


def require_ledger(user: User) -> None:
    if not can_use_ledger(user):
        raise PermissionDenied("您的角色不能查看捐赠台账")


def funds_for_user(user: User) -> QuerySet[Fund]:
    return Fund.objects.filter(scope_for(user).subtree_q("organiser", roles=READER_ROLES))


def actor_kinds(user: User, fund: Fund) -> set[str]:
    """What the user may do on this fund's records: record (STAFF) and approve (ADMIN)."""
    scope = scope_for(user)
    kinds: set[str] = set()
    if scope.covers(fund.organiser, roles=WRITER_ROLES):
        kinds.add(STAFF)
    if scope.covers(fund.organiser, roles=ADMIN_ROLES):
        kinds.add(ADMIN)
    return kinds


def get_fund_for_user(user: User, fund_id: int, *, write: bool = False) -> Fund:
    fund = funds_for_user(user).select_related("organiser").filter(pk=fund_id).first()
    if fund is None:
        raise Http404("基金不存在或无权查看")
    if write and STAFF not in actor_kinds(user, fund):
        raise PermissionDenied("您没有登记该基金收支的权限")
    return fund


def get_gift_for_user(user: User, gift_id: int) -> Gift:
    gift = (
        Gift.objects.filter(fund__in=funds_for_user(user), pk=gift_id)
        .select_related("fund", "fund__organiser", "donor", "pledge")
        .first()
    )
    if gift is None:
        raise Http404("捐赠记录不存在或无权查看")
    return gift


def get_pledge_for_user(user: User, pledge_id: int) -> Pledge:
    pledge = (
        Pledge.objects.filter(fund__in=funds_for_user(user), pk=pledge_id)
        .select_related("fund", "fund__organiser", "donor")
        .first()
    )
    if pledge is None:
        raise Http404("认捐记录不存在或无权查看")
    return pledge


def get_disbursement_for_user(user: User, disbursement_id: int) -> Disbursement:
    d = (
        Disbursement.objects.filter(fund__in=funds_for_user(user), pk=disbursement_id)
        .select_related("fund", "fund__organiser", "village")
        .first()
    )
    if d is None:
        raise Http404("拨付记录不存在或无权查看")
    return d


def organiser_choices(user: User) -> QuerySet[Organisation]:
    """Where the user may start a fund: federations and chambers under their writer roles."""
    return Organisation.objects.filter(
        scope_for(user).subtree_q(roles=WRITER_ROLES),
        kind__in=[OrgKind.FEDERATION, OrgKind.CHAMBER],
        is_active=True,
    ).order_by("path")


def can_create_fund(user: User) -> bool:
    return scope_for(user).has_role(*WRITER_ROLES)
