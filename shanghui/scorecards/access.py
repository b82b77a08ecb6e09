"""Who sees and scores rounds and cards. Managers (federation admins and staff, party officers) of the
round's organiser or above create rounds, score cards and publish results; the people of an evaluated
organisation (its admins, staff and party officers) self-assess their own card; auditors read.
Not visible → 404; visible, not allowed → 403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from shanghui.accounts.models import User
from shanghui.orgs.access import scope_for
from shanghui.orgs.models import Organisation, Role
from shanghui.scorecards.models import Card, Round

MANAGER_ROLES = (Role.FEDERATION_ADMIN, Role.FEDERATION_STAFF, Role.PARTY_OFFICER)
ORG_ROLES = (Role.CHAMBER_ADMIN, Role.CHAMBER_STAFF, Role.PARTY_OFFICER)
REVIEWER, ORG = "reviewer", "org"


def manages(user: User, org: Organisation) -> bool:
    """A manager role at `org` or above it, in a federation (a chamber's party officer manages nothing)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return True
    return any(
        org.path.startswith(g.path) and g.org_kind == "federation"
        for g in scope.grants
        if g.role in MANAGER_ROLES
    )


def holds_in(user: User, org: Organisation) -> bool:
    """A role of the evaluated organisation itself (or below it)."""
    return any(g.path.startswith(org.path) and g.role in ORG_ROLES for g in scope_for(user).grants)


def rounds_for_user(user: User) -> QuerySet[Round]:
    scope = scope_for(user)
    if scope.is_superuser:
        return Round.objects.all()
    visible_cards = Card.objects.filter(scope.subtree_q("organisation")).values("round_id")
    return Round.objects.filter(Q(scope.subtree_q("organiser")) | Q(pk__in=visible_cards)).distinct()


def cards_for_user(user: User) -> QuerySet[Card]:
    scope = scope_for(user)
    return Card.objects.filter(scope.subtree_q("organisation") | scope.subtree_q("round__organiser"))


def get_round_for_user(user: User, round_id: int, *, write: bool = False) -> Round:
    rnd = rounds_for_user(user).select_related("rubric", "organiser").filter(pk=round_id).first()
    if rnd is None:
        raise Http404("评价不存在或无权查看")
    if write and not manages(user, rnd.organiser):
        raise PermissionDenied("您不能管理该评价")
    return rnd


def get_card_for_user(user: User, card_id: int) -> Card:
    card = (
        cards_for_user(user)
        .select_related("round__rubric", "round__organiser", "organisation")
        .filter(pk=card_id)
        .first()
    )
    if card is None:
        raise Http404("评价表不存在或无权查看")
    return card


def actor_kinds(user: User, card: Card) -> set[str]:
    kinds = set()
    if manages(user, card.round.organiser):
        kinds.add(REVIEWER)
    if holds_in(user, card.organisation):
        kinds.add(ORG)
    return kinds


def can_use(user: User) -> bool:
    return scope_for(user).has_role(*MANAGER_ROLES, *ORG_ROLES, Role.AUDITOR)


def can_create_round(user: User) -> bool:
    scope = scope_for(user)
    return scope.is_superuser or any(
        g.role in MANAGER_ROLES and g.org_kind == "federation" for g in scope.grants
    )
