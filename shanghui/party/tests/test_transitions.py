"""The kernel's generated transition tests for the four tables: review chains, notices, cards and
candidates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from shanghui.party.models import Candidate
from shanghui.party.workflow import MACHINE as CANDIDATES
from shanghui.party.workflow import STAFF
from shanghui.publicity import services as publicity
from shanghui.publicity.models import Notice
from shanghui.publicity.workflow import MACHINE as NOTICES
from shanghui.publicity.workflow import MANAGER
from shanghui.reviews.models import Chain
from shanghui.reviews.services import save_template, start_chain
from shanghui.reviews.workflow import MACHINE as CHAINS
from shanghui.reviews.workflow import REVIEWER, SUBJECT
from shanghui.scorecards import services as scorecards
from shanghui.scorecards.access import ORG
from shanghui.scorecards.access import REVIEWER as CARD_REVIEWER
from shanghui.scorecards.models import Card
from shanghui.scorecards.workflow import MACHINE as CARDS
from shanghui.workflow.machine import SYSTEM
from shanghui.workflow.testing import Walks

# The generated tests reach the database through their fixture (getfixturevalue): the mark makes pytest-
# django create the test database even when only they are selected.
pytestmark = pytest.mark.django_db


@pytest.fixture
def walks(party: SimpleNamespace) -> SimpleNamespace:
    p = party
    two = save_template(code="two-steps", name="两步", actor=None, steps=[
        {"label": "支部初审", "slot": "branch_secretary"}, {"label": "商会负责人审核", "slot": "chamber_head"},
    ])  # fmt: skip

    def new_chain() -> Chain:
        c = Candidate.objects.create(election=p.election, name="候选", mobile=p.mobile, position="vice_president",
                                     birth_date=dt.date(1980, 1, 1), status=Candidate.Status.VETTING)  # fmt: skip
        return start_chain(
            owner_type="party.candidate", owner_id=c.pk, template=two, title="候选", actor=None
        )

    p.new_chain = new_chain
    p.new_notice = lambda: publicity.open_notice(
        owner_type="party.election", owner_id=p.election.pk, title="公示", items=[{"key": "x", "name": "甲"}],
        actor=None, starts_at=timezone.now() - dt.timedelta(days=30),
    )  # fmt: skip
    rubric = scorecards.save_rubric(code="one", name="一项", actor=None, levels=[{"name": "合格", "min": 5}, {"name": "不合格", "min": 0}],
                                    dimensions=[{"name": "维度", "indicators": [{"name": "指标", "max_points": 10}]}])  # fmt: skip

    def new_card() -> Card:
        rnd = scorecards.open_round(rubric=rubric, name="2026年度", organiser=p.city, organisations=[p.chamber_a],
                                    period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31), actor=None)  # fmt: skip
        card = rnd.cards.get()
        card.scores.update(self_value=Decimal(8), review_value=Decimal(8))
        return card

    p.new_card = new_card
    return p


CHAIN_WALKS = Walks(
    machine=CHAINS,
    fixture="walks",
    actor_kinds=(REVIEWER, SUBJECT, SYSTEM),
    paths={
        "running": [],
        "running@second": ["approve"],
        "more": ["ask_more"],
        "rejected": ["object"],
        "withdrawn": ["withdraw"],
        "approved": ["approve", "approve", "conclude"],
    },  # fmt: skip
    new=lambda w: w.new_chain(),
    actor_for=lambda w, kind: {REVIEWER: w.secretary, SUBJECT: w.chamber_admin}.get(kind),
    params_for=lambda w, action: {"reason": "理由", "opinion": "意见"},
)
(
    test_chain_allowed_actions_move_it,
    test_chain_refused_actions_change_nothing,
    test_chain_actions_need_their_inputs,
    test_chain_table_is_complete,
) = CHAIN_WALKS.tests(final={Chain.Status.APPROVED, Chain.Status.REJECTED, Chain.Status.WITHDRAWN})


NOTICE_WALKS = Walks(
    machine=NOTICES,
    fixture="walks",
    actor_kinds=(MANAGER, SYSTEM),
    paths={"open": [], "final": ["finalise"], "withdrawn": ["withdraw"]},
    new=lambda w: w.new_notice(),
    actor_for=lambda w, kind: {MANAGER: w.committee}.get(kind),
    params_for=lambda w, action: {"reason": "名单有误"},
)
(
    test_notice_allowed_actions_move_it,
    test_notice_refused_actions_change_nothing,
    test_notice_actions_need_their_inputs,
    test_notice_table_is_complete,
) = NOTICE_WALKS.tests(final={Notice.Status.FINAL, Notice.Status.WITHDRAWN})


def _card_params(w: Any, action: str) -> dict[str, Any]:
    return {"reason": "请补充佐证", "by": w.fed_staff.pk}


CARD_WALKS = Walks(
    machine=CARDS,
    fixture="walks",
    actor_kinds=(ORG, CARD_REVIEWER, SYSTEM),
    paths={
        "draft": [],
        "submitted": ["submit"],
        "returned": ["submit", "return_"],
        "scored": ["submit", "score"],
        "publicity": ["submit", "score", "publish"],
        "final": ["submit", "score", "publish", "finalise"],
        "submitted@reopen": ["submit", "score", "publish", "reopen"],
    },  # fmt: skip
    new=lambda w: w.new_card(),
    actor_for=lambda w, kind: {ORG: w.chamber_admin, CARD_REVIEWER: w.fed_staff}.get(kind),
    params_for=_card_params,
)
(
    test_card_allowed_actions_move_it,
    test_card_refused_actions_change_nothing,
    test_card_actions_need_their_inputs,
    test_card_table_is_complete,
) = CARD_WALKS.tests(final={Card.Status.FINAL})


CANDIDATE_WALKS = Walks(
    machine=CANDIDATES,
    fixture="walks",
    actor_kinds=(STAFF, SYSTEM),
    paths={
        "draft": [],
        "vetting": ["start"],
        "approved": ["start", "pass_"],
        "rejected": ["start", "fail"],
        "withdrawn": ["withdraw"],
        "publicity": ["start", "pass_", "publish"],
        "final": ["start", "pass_", "publish", "confirm"],
        "rejected@strike": ["start", "pass_", "publish", "strike"],
    },  # fmt: skip
    new=lambda w: w.new_candidate(position="vice_president"),
    actor_for=lambda w, kind: {STAFF: w.chamber_admin}.get(kind),
    params_for=lambda w, action: {},
)
(
    test_candidate_allowed_actions_move_it,
    test_candidate_refused_actions_change_nothing,
    test_candidate_actions_need_their_inputs,
    test_candidate_table_is_complete,
) = CANDIDATE_WALKS.tests(
    final={Candidate.Status.FINAL, Candidate.Status.REJECTED, Candidate.Status.WITHDRAWN}
)
