"""Scorecards: self-assessment beside the review, comments where they differ, veto items, rubric versions,
publicity and the final level, 五有 proposed from the chamber's data; the 三同时 register."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shanghui.orgs.models import Organisation
from shanghui.party import register, rubrics
from shanghui.party.models import Candidate, ChamberProfile, Deed, Election, PartyOrganisation
from shanghui.publicity import services as publicity
from shanghui.publicity.models import Notice
from shanghui.scorecards import services as scorecards
from shanghui.scorecards.models import Card, Round
from shanghui.workflow.machine import Conflict

YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def open_round(p: SimpleNamespace, code: str, orgs: list[Organisation]) -> Round:
    shipped = rubrics.ensure_rubrics()
    return scorecards.open_round(rubric=shipped[code], name="2026年度", organiser=p.city, organisations=orgs,
                                 period_start=YEAR[0], period_end=YEAR[1], actor=p.committee)  # fmt: skip


def self_assess(p: SimpleNamespace, card: Card, value: str = "10") -> None:
    values = {}
    for s in card.scores.select_related("indicator"):
        ind = s.indicator
        v = (
            "0"
            if ind.veto
            else (str(min(Decimal(value), ind.max_points)) if ind.method == "points" else value)
        )
        values[s.indicator_id] = (v, "见附件")
    scorecards.save_self_assessment(card=card, actor=p.chamber_admin, values=values)


def test_a_chamber_self_assesses_a_reviewer_scores_publicity_and_final_level(party: SimpleNamespace) -> None:
    p = party
    rnd = open_round(p, "shuangqiang-liuhao", [p.chamber_a, p.chamber_b])
    card = rnd.cards.get(organisation=p.chamber_a)
    self_assess(p, card, "12")
    card = scorecards.act(card=card, actor=p.chamber_admin, action="submit")
    # 12 each, at most the maximum (社会评价好 10); 作用发挥好 counts 12 times × 2 points, capped at 12
    assert card.self_total == Decimal("94")

    scores = list(card.scores.select_related("indicator"))
    review = {s.indicator_id: (str(s.self_value), "") for s in scores}
    first, second = scores[0], scores[1]
    review[first.indicator_id] = ("10", "")
    with pytest.raises(ValidationError) as exc:
        scorecards.save_review(card=card, actor=p.fed_staff, values=review)
    assert f"comment_{first.indicator_id}" in exc.value.message_dict
    review[first.indicator_id] = ("10", "党员教育记录不全")
    review[second.indicator_id] = ("8", "会员企业发展数据偏少")
    scorecards.save_review(card=card, actor=p.fed_staff, values=review)
    card = scorecards.act(card=card, actor=p.fed_staff, action="score")
    assert (card.review_total, card.level, card.vetoed) == (Decimal("88"), "良好", False)

    with pytest.raises(PermissionDenied):
        scorecards.publish_round(rnd=rnd, actor=p.chamber_admin)
    rnd = scorecards.publish_round(rnd=rnd, actor=p.fed_staff)
    assert rnd.notice_id is not None
    notice = Notice.objects.get(pk=rnd.notice_id)
    assert notice.items == [{"key": f"card:{card.pk}", "name": p.chamber_a.name, "detail": "良好（88.0分）"}]
    Notice.objects.filter(pk=notice.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    publicity.finalise(notice=notice, actor=p.fed_staff)
    card.refresh_from_db()
    assert card.status == Card.Status.FINAL and card.level == "良好"
    assert Round.objects.get(pk=rnd.pk).status == Round.Status.CLOSED
    # The other chamber never self-assessed: its card stays a draft.
    assert rnd.cards.get(organisation=p.chamber_b).status == Card.Status.DRAFT


def test_a_veto_item_fails_the_whole_card(party: SimpleNamespace) -> None:
    p = party
    card = open_round(p, "shuangqiang-liuhao", [p.chamber_a]).cards.get()
    self_assess(p, card, "12")
    scorecards.act(card=card, actor=p.chamber_admin, action="submit")
    review = {s.indicator_id: (str(s.self_value), "") for s in card.scores.select_related("indicator")}
    veto = card.scores.get(indicator__veto=True)
    review[veto.indicator_id] = ("1", "发生重大负面舆情")
    scorecards.save_review(card=card, actor=p.fed_staff, values=review)
    card = scorecards.act(card=card, actor=p.fed_staff, action="score")
    assert card.vetoed and card.level == "不合格" and card.review_total == Decimal("94")


def test_scoring_is_refused_until_every_indicator_is_scored(party: SimpleNamespace) -> None:
    p = party
    card = open_round(p, "sihao", [p.chamber_a]).cards.get()
    with pytest.raises(Conflict, match="未自评"):
        scorecards.act(card=card, actor=p.chamber_admin, action="submit")
    self_assess(p, card, "1")
    card = scorecards.act(card=card, actor=p.chamber_admin, action="submit")
    with pytest.raises(Conflict, match="未评分"):
        scorecards.act(card=card, actor=p.fed_staff, action="score")
    with pytest.raises(PermissionDenied):
        scorecards.act(card=card, actor=p.chamber_admin, action="score")
    with pytest.raises(PermissionDenied):
        scorecards.save_self_assessment(card=card, actor=p.chamber_admin_b, values={})


def test_a_round_keeps_the_rubric_version_it_started_with(party: SimpleNamespace) -> None:
    p = party
    rnd = open_round(p, "wuyou", [p.chamber_a])
    old = rnd.rubric
    data = scorecards.rubric_as_data(old)
    data[0]["indicators"][0]["max_points"] = "30"
    new = scorecards.save_rubric(
        code="wuyou", name="五有", dimensions=data, levels=old.levels, actor=p.fed_admin
    )
    assert (old.version, new.version) == (1, 2)
    rnd.refresh_from_db()
    assert rnd.rubric == old
    assert rnd.cards.get().scores.first().indicator.max_points == Decimal("20")  # type: ignore[union-attr]
    assert scorecards.latest("wuyou") == new


def test_the_wuyou_card_is_proposed_from_the_chambers_data(party: SimpleNamespace) -> None:
    p = party
    PartyOrganisation.objects.filter(pk=p.branch.pk).update(
        has_plaque=True, venue="上海商会党员活动之家", annual_funds=Decimal(20000)
    )
    Deed.objects.create(
        chamber=p.chamber_a, kind="study", title="主题学习会", happened_on=dt.date(2026, 11, 20)
    )
    card = open_round(p, "wuyou", [p.chamber_a, p.chamber_b]).cards.get(organisation=p.chamber_a)
    proposed = {
        s.indicator.name: (s.proposed_value, s.proposed_from) for s in card.scores.select_related("indicator")
    }
    assert proposed == {
        "有牌子": (Decimal(1), "党组织挂牌：衢州在上海商会党支部已登记挂牌"),
        "有经费": (Decimal(1), "党建经费：年度党建经费20,000.00元"),
        "有阵地": (Decimal(1), "活动阵地：阵地：上海商会党员活动之家"),
        "有计划": (Decimal(0), "年度计划：未登记本年度计划"),
        "有活动": (Decimal(1), "本季度党建活动：党建工作台账：2026-11-20 主题学习会"),
    }
    other = Card.objects.get(round=card.round, organisation=p.chamber_b)
    assert {s.proposed_from for s in other.scores.all()} >= {"党组织挂牌：平台暂无数据"}


def test_the_three_together_register(party: SimpleNamespace) -> None:
    p = party
    today = dt.date(2027, 12, 1)
    # Chamber A: founded with its branch; president and secretary vetted together; re-elected together.
    for position in ("president", "party_secretary"):
        Candidate.objects.create(election=p.election, name="甲", mobile=p.mobile, position=position,
                                 birth_date=dt.date(1970, 1, 1), status="final")  # fmt: skip
    Election.objects.filter(pk=p.election.pk).update(
        chamber_held_on=dt.date(2027, 1, 15), party_held_on=dt.date(2027, 2, 1)
    )
    # Chamber B: too few party members for a branch.
    ChamberProfile.objects.create(chamber=p.chamber_b, founded_on=dt.date(2019, 5, 1), party_members=2)
    rows = {r.chamber: r for r in register.build([p.chamber_a, p.chamber_b], today)}
    a, b = rows[p.chamber_a], rows[p.chamber_b]
    assert (a.founded, a.vetted, a.reelected, a.status) == ("in_step", "in_step", "in_step", "in_step")
    assert b.status == "no_members" and not b.problems
    assert a.warning == "40天后任期届满，请同步筹备商会与党组织换届"  # the chamber's term ends 2028-01-10

    # Out of step: chamber B gains members but no branch; chamber A re-elected without its branch.
    ChamberProfile.objects.filter(chamber=p.chamber_b).update(party_members=5)
    Election.objects.filter(pk=p.election.pk).update(party_held_on=None)
    rows = {r.chamber: r for r in register.build([p.chamber_a, p.chamber_b], today)}
    assert rows[p.chamber_b].status == "out_of_step"
    assert rows[p.chamber_b].problems == ["有党员5人，尚未建立党组织"]
    assert rows[p.chamber_a].reelected == "out_of_step"
    assert rows[p.chamber_a].problems == ["第三届换届：商会已换届，党组织未同时换届"]


def test_the_register_warns_ninety_days_before_a_term_ends_and_flags_late_founding(
    party: SimpleNamespace,
) -> None:
    p = party
    rows = register.build([p.chamber_a], dt.date(2027, 11, 1))
    assert rows[0].warning == "70天后任期届满，请同步筹备商会与党组织换届"
    PartyOrganisation.objects.filter(pk=p.branch.pk).update(founded_on=dt.date(2021, 6, 1))
    row = register.build([p.chamber_a], dt.date(2026, 1, 1))[0]
    assert row.founded == "out_of_step" and "不同时" in row.problems[0]
    # A president vetted without a party secretary in the same round is out of step.
    Candidate.objects.create(election=p.election, name="甲", mobile=p.mobile, position="president",
                             birth_date=dt.date(1970, 1, 1), status="vetting")  # fmt: skip
    row = register.build([p.chamber_a], dt.date(2026, 1, 1))[0]
    assert row.vetted == "out_of_step" and "未同时考察党组织书记人选" in row.problems[-1]
