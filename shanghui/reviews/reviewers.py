"""Who sits on a step: a slot the owning programme resolves, or the departments of a parallel step (the
administrators of each department), plus the deputies of those people for today (Delegation)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shanghui.lib.workdays import local_date
from shanghui.orgs.models import Membership, Role
from shanghui.reviews.models import PARALLEL, Chain, ChainStep, Delegation, StepAnswer
from shanghui.reviews.owner import review_owner

# Who answers for a department in a joint review.
DEPARTMENT_ROLES = (Role.DEPARTMENT_ADMIN,)


def today() -> dt.date:
    return local_date(timezone.now())


def with_deputies(user_ids: set[int], day: dt.date | None = None) -> set[int]:
    """The people plus whoever stands in for one of them on `day`."""
    if not user_ids:
        return set()
    day = day or today()
    deputies = Delegation.objects.filter(
        principal_id__in=user_ids, starts_on__lte=day, ends_on__gte=day
    ).values_list("deputy_id", flat=True)
    return user_ids | set(deputies)


def department_people(department_id: int) -> set[int]:
    rows = Membership.objects.filter(organisation_id=department_id, role__in=DEPARTMENT_ROLES)
    return with_deputies(set(rows.values_list("user_id", flat=True)))


def slot_people(chain: Chain, step: ChainStep) -> set[int]:
    owner = review_owner(chain.owner_type)
    return with_deputies({u.pk for u in owner.reviewers(chain.owner_id, step.slot)})


def step_people(chain: Chain, step: ChainStep) -> set[int]:
    """Everyone who may decide on the step (for a parallel step: for some department of it)."""
    if step.kind == PARALLEL:
        people: set[int] = set()
        for dept_id in step.answers.values_list("department_id", flat=True):
            people |= department_people(dept_id)
        return people
    return slot_people(chain, step)


def open_departments(step: ChainStep, user_id: int) -> list[StepAnswer]:
    """The departments of a parallel step this person may still answer for."""
    return [
        a
        for a in step.answers.select_related("department").filter(opinion="")
        if user_id in department_people(a.department_id)
    ]


def active_step(chain: Chain) -> ChainStep | None:
    return chain.steps.filter(index=chain.current).first()
