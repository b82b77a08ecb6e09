"""Who sees a review chain: whoever the owning record's rules let read it, and everyone who sits (or sat)
on one of its steps — a department reviewer sees the candidate's chain without seeing the chamber.
Not visible → 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from shanghui.accounts.models import User
from shanghui.lib.owners import Viewer
from shanghui.reviews.models import PARALLEL, Chain, ChainStep
from shanghui.reviews.owner import review_owner
from shanghui.reviews.reviewers import department_people, step_people


def sits_on(user: User, chain: Chain) -> bool:
    for step in chain.steps.all():
        if step.decided_by_id == user.pk or step.answers.filter(answered_by=user).exists():
            return True
        if step.state == ChainStep.State.ACTIVE and user.pk in step_people(chain, step):
            return True
        if step.kind == PARALLEL and any(
            user.pk in department_people(d) for d in step.answers.values_list("department_id", flat=True)
        ):
            return True
    return False


def can_read(user: User, chain: Chain) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    try:
        owner = review_owner(chain.owner_type)
    except LookupError:
        return False
    return owner.access(Viewer(user=user), chain.owner_id, joined=False).read or sits_on(user, chain)


def get_chain_for_user(user: User, chain_id: int) -> Chain:
    chain = Chain.objects.select_related("template").filter(pk=chain_id).first()
    if chain is None or not can_read(user, chain):
        raise Http404("审查不存在或无权查看")
    return chain


def chains_for_owner(owner_type: str, owner_id: int) -> QuerySet[Chain]:
    return Chain.objects.filter(owner_type=owner_type, owner_id=owner_id).order_by("-created_at")


def inbox(user: User) -> list[Chain]:
    """The open chains waiting for this person's decision (checked step by step: few are open)."""
    from shanghui.reviews.services import actor_kinds
    from shanghui.reviews.workflow import REVIEWER

    chains = (
        Chain.objects.filter(status=Chain.Status.RUNNING).select_related("template").order_by("created_at")
    )
    return [c for c in chains if REVIEWER in actor_kinds(user, c)]
