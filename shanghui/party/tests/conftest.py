"""Party building on top of the shared `world`: a party committee officer at the city federation, three
departments for the joint review, chamber A's branch (its secretary is the chamber's party officer),
the 五步审查 template and the shipped rubrics, and a re-election of chamber A."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from shanghui.orgs.models import OrgKind, Role
from shanghui.orgs.tests.factories import UserFactory, grant, make_org
from shanghui.party import rubrics, services
from shanghui.party.models import Candidate, ChamberProfile, Election, PartyOrganisation
from shanghui.workdays import calendar


@pytest.fixture
def party(world: SimpleNamespace) -> SimpleNamespace:
    w = world
    calendar.seed_from_package()
    calendar.invalidate()
    w.committee = UserFactory(username="committee")
    grant(w.committee, w.city, Role.PARTY_OFFICER)
    w.dept3 = make_org(OrgKind.DEPARTMENT, "衢州市市场监管局", w.city)
    w.dept2_admin = UserFactory(username="dept2_admin")
    grant(w.dept2_admin, w.dept2, Role.DEPARTMENT_ADMIN)
    w.dept3_admin = UserFactory(username="dept3_admin")
    grant(w.dept3_admin, w.dept3, Role.DEPARTMENT_ADMIN)
    w.departments = [w.dept, w.dept2, w.dept3]
    w.template = rubrics.ensure_five_step(w.departments)
    w.secretary = w.party_officer
    w.branch = PartyOrganisation.objects.create(
        name="衢州在上海商会党支部", kind="branch", secretary=w.secretary, secretary_name="支书",
        member_count=12, founded_on=dt.date(2018, 3, 1), term_ends_on=dt.date(2028, 3, 1),
    )  # fmt: skip
    w.branch.chambers.set([w.chamber_a])
    ChamberProfile.objects.create(chamber=w.chamber_a, founded_on=dt.date(2018, 1, 10), party_members=12,
                                  term_ends_on=dt.date(2028, 1, 10), president_name="会长甲")  # fmt: skip
    w.election = Election.objects.create(
        chamber=w.chamber_a, name="第三届换届", planned_on=dt.date(2027, 1, 15)
    )
    w.mobile = "13900001111"

    def new_candidate(position: str = "president", **kw: Any) -> Candidate:
        fields = dict(
            name="王建国",
            mobile=w.mobile,
            position=position,
            birth_date=dt.date(1975, 5, 1),
            enterprise="衢州甲科技有限公司 董事长",
        )
        fields.update(kw)
        return services.add_candidate(actor=w.chamber_admin, election=w.election, **fields)

    w.new_candidate = new_candidate
    return w
