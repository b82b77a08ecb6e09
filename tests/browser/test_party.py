"""Party building in the browser: a candidate through 五步审查 (the self-check on the candidate's phone,
the branch, the chamber head and the party committee, three departments in parallel — one asks for more
material first —, the list's publicity with an objection answered, the final result, the timeline); and
a chamber's 双强六好 card (self-assessment with evidence, a reviewer differing on two indicators with
comments, publicity, the final level) beside its 五有 card proposed from the chamber's data."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shanghui.notify.sms import ConsoleSmsBackend
from shanghui.party import rubrics
from shanghui.party.models import Candidate, Deed, PartyOrganisation
from shanghui.party.tests.conftest import party as party_fixture
from shanghui.publicity.models import Notice
from shanghui.reviews.models import Chain
from shanghui.scorecards import services as scorecards
from shanghui.scorecards.models import Card
from tests.browser.conftest import login, watch_console

party = party_fixture
MOBILE = "13900001111"


@pytest.fixture(autouse=True)
def _clean_state() -> Any:
    from django.core.cache import cache

    cache.clear()
    ConsoleSmsBackend.outbox.clear()
    yield
    ConsoleSmsBackend.outbox.clear()


def staff(new_page: Any, p: SimpleNamespace, username: str, errors: list[str]) -> Any:
    page = new_page()
    watch_console(page, errors)
    login(page, username, p.password)
    return page


def decide(page: Any, chain_id: int, action: str, *, reason: str = "", opinion: str = "") -> None:
    page.goto(f"/reviews/{chain_id}/")
    page.select_option("#id_action", action)
    if opinion:
        page.fill("#id_opinion", opinion)
    if reason:
        page.fill("#id_reason", reason)
    page.get_by_test_id("decide").click()
    expect(page.get_by_test_id("chain-title")).to_be_visible()


def test_a_candidate_through_the_five_steps_to_the_final_list(
    live: str, new_page: Any, party: SimpleNamespace
) -> None:
    p = party
    errors: list[str] = []

    # The chamber registers the candidate and starts the review.
    head = staff(new_page, p, "chamber_admin", errors)
    head.goto(f"/party/elections/{p.election.pk}/")
    head.fill("#id_name", "王建国")
    head.fill("#id_mobile", MOBILE)
    head.select_option("#id_position", "president")
    head.fill("#id_birth_date", "1975-05-01")
    head.fill("#id_enterprise", "衢州甲科技有限公司 董事长")
    head.get_by_test_id("candidate-add").click()
    head.get_by_test_id("candidate-link").filter(has_text="王建国").click()
    head.get_by_test_id("start-vetting").click()
    expect(head.get_by_test_id("candidate-status")).to_have_text("审查中")
    candidate = Candidate.objects.get(name="王建国")
    chain = Chain.objects.get(owner_type="party.candidate", owner_id=candidate.pk)

    # The candidate signs the self-check on a phone, after proving the mobile number.
    phone = new_page(phone=True)
    watch_console(phone, errors)
    phone.goto(f"/party/self-check/{candidate.pk}/")
    phone.wait_for_url(re.compile(r"/my/login/\?next="))
    phone.fill("#id_mobile", MOBILE)
    phone.get_by_test_id("send-code").click()
    phone.fill("#id_code", ConsoleSmsBackend.outbox[-1]["params"]["code"])
    phone.get_by_test_id("verify").click()
    phone.wait_for_url(f"**/party/self-check/{candidate.pk}/")
    for box in phone.locator("input[name=conditions]").all():
        box.check()
    phone.fill("#id_signature", "王建国")
    phone.get_by_test_id("self-check-submit").click()
    expect(phone.get_by_test_id("self-check-done")).to_be_visible()

    # 支部初审, 商会负责人审核, 党委复审.
    secretary = staff(new_page, p, "party_officer", errors)
    secretary.goto("/reviews/")
    secretary.get_by_test_id("inbox-item").filter(has_text="王建国").click()
    expect(secretary.get_by_test_id("chain-summary")).to_contain_text("衢州甲科技有限公司")
    decide(secretary, chain.pk, "approve", opinion="政治素质好")
    decide(head, chain.pk, "approve", opinion="同意提名")
    committee = staff(new_page, p, "committee", errors)
    decide(committee, chain.pk, "approve", opinion="同意")

    # 部门联审: three departments in parallel; 人社 asks for more material, the chamber supplies it.
    decide(staff(new_page, p, "dept_admin", errors), chain.pk, "approve", opinion="无违法犯罪记录")
    renshe = staff(new_page, p, "dept2_admin", errors)
    decide(renshe, chain.pk, "ask_more", reason="请补充近三年社保缴纳证明")
    expect(renshe.get_by_test_id("chain-status")).to_have_text("待补充材料")
    decide(head, chain.pk, "supply")
    decide(renshe, chain.pk, "approve", opinion="已补充，无异议")
    expect(renshe.get_by_test_id("chain-status")).to_have_text("审查中")  # 市场监管 has not answered
    market = staff(new_page, p, "dept3_admin", errors)
    decide(market, chain.pk, "approve")
    expect(market.get_by_test_id("chain-status")).to_have_text("审查通过")

    # The committee publishes the list; someone objects on a phone; the committee answers and finalises.
    committee.goto(f"/party/elections/{p.election.pk}/")
    committee.get_by_test_id("publish-list").click()
    expect(committee.get_by_test_id("notice-title")).to_contain_text("候选人公示")
    notice = Notice.objects.get(owner_type="party.election", owner_id=p.election.pk)
    public = new_page(phone=True)
    watch_console(public, errors)
    public.goto(f"/gs/{notice.pk}/")
    expect(public.get_by_test_id("notice-items")).to_contain_text("王建国")
    public.select_option("#id_item_key", f"candidate:{candidate.pk}")
    public.fill("#id_name", "李四")
    public.fill("#id_contact", "13800000000")
    public.fill("#id_text", "其企业是否拖欠货款？")
    public.get_by_test_id("objection-submit").click()
    expect(public.get_by_test_id("objection-done")).to_be_visible()
    committee.reload()
    expect(committee.get_by_test_id("objection-contact")).to_contain_text("李四")
    committee.locator("textarea[name$=answer]").fill("经核实无拖欠，异议不成立")
    committee.get_by_test_id("answer-submit").click()
    expect(committee.get_by_test_id("objection")).to_have_attribute("data-answered", "1")
    Notice.objects.filter(pk=notice.pk).update(
        ends_at=timezone.now() - dt.timedelta(minutes=1)
    )  # the period ends
    committee.reload()
    committee.get_by_test_id("finalise").click()
    expect(committee.get_by_test_id("notice-status")).to_have_text("公示结束")

    head.goto(f"/party/candidates/{candidate.pk}/")
    expect(head.get_by_test_id("candidate-status")).to_have_text("确定人选")
    head.get_by_test_id("chain-link").click()
    timeline = head.get_by_test_id("timeline-item")
    expect(timeline).to_have_count(11)
    for text in (
        "发起审查",
        "候选人自荐自查",
        "支部初审",
        "商会负责人审核",
        "党委复审",
        "需补充材料",
        "补充材料",
        "审查完成",
    ):
        expect(head.get_by_test_id("chain-timeline")).to_contain_text(text)
    assert errors == []


def test_a_chamber_is_evaluated_and_its_wuyou_card_is_proposed(
    live: str, new_page: Any, party: SimpleNamespace
) -> None:
    p = party
    errors: list[str] = []
    PartyOrganisation.objects.filter(pk=p.branch.pk).update(has_plaque=True, venue="上海商会党员活动之家")
    Deed.objects.create(
        chamber=p.chamber_a, kind="party_day", title="七一主题党日", happened_on=dt.date(2026, 11, 1)
    )
    shipped = rubrics.ensure_rubrics()
    year = {"period_start": dt.date(2026, 1, 1), "period_end": dt.date(2026, 12, 31), "actor": p.committee}
    rnd = scorecards.open_round(rubric=shipped["shuangqiang-liuhao"], name="2026年度", organiser=p.city,
                                organisations=[p.chamber_a], **year)  # fmt: skip
    wuyou = scorecards.open_round(rubric=shipped["wuyou"], name="2026年度", organiser=p.city,
                                  organisations=[p.chamber_a], **year)  # fmt: skip
    card = rnd.cards.get()

    # The chamber self-assesses with evidence and submits.
    head = staff(new_page, p, "chamber_admin", errors)
    head.goto(f"/scorecards/cards/{card.pk}/")
    rows = head.get_by_test_id("score-row")
    for i in range(rows.count()):
        row = rows.nth(i)
        field = row.get_by_test_id("self-input")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option("0")
        else:
            field.fill("10")
        row.locator("textarea").fill(f"见附件{i + 1}")
    head.get_by_test_id("self-submit").click()
    expect(head.get_by_test_id("card-status")).to_have_text("待评审")

    # The reviewer differs on two indicators: without comments it is refused, with them it scores.
    reviewer = staff(new_page, p, "fed_staff", errors)
    reviewer.goto(f"/scorecards/cards/{card.pk}/")
    first, second = reviewer.get_by_test_id("score-row").nth(0), reviewer.get_by_test_id("score-row").nth(1)
    first.get_by_test_id("review-input").fill("8")
    second.get_by_test_id("review-input").fill("9")
    reviewer.get_by_test_id("review-submit").click()
    expect(reviewer.get_by_test_id("form-errors")).to_contain_text("请填写评审意见")
    assert Card.objects.get(pk=card.pk).status == "submitted"
    first, second = reviewer.get_by_test_id("score-row").nth(0), reviewer.get_by_test_id("score-row").nth(1)
    first.get_by_test_id("review-input").fill("8")
    first.get_by_test_id("comment-input").fill("党员教育记录不全")
    second.get_by_test_id("review-input").fill("9")
    second.get_by_test_id("comment-input").fill("发展数据偏少")
    reviewer.get_by_test_id("review-submit").click()
    expect(reviewer.get_by_test_id("card-status")).to_have_text("已评分")
    scored = Card.objects.get(pk=card.pk)
    assert scored.review_total == Decimal("79") and scored.level == "合格"  # 82 self-assessed, 3 points off

    # Publicity, then the final level.
    reviewer.goto(f"/scorecards/rounds/{rnd.pk}/")
    reviewer.get_by_test_id("publish-round").click()
    expect(reviewer.get_by_test_id("notice-items")).to_contain_text("合格（79.0分）")
    notice = Notice.objects.get(owner_type="scorecards.round", owner_id=rnd.pk)
    Notice.objects.filter(pk=notice.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    reviewer.reload()
    reviewer.get_by_test_id("finalise").click()
    head.goto(f"/scorecards/rounds/{rnd.pk}/")
    expect(head.get_by_test_id("card-level")).to_have_text("合格")
    head.get_by_test_id("card-link").click()
    expect(head.get_by_test_id("card-status")).to_have_text("已认定")
    expect(head.get_by_test_id("review-comment").first).to_have_text("党员教育记录不全")

    # The 五有 card proposes what the platform knows, and says where it came from.
    head.goto(f"/scorecards/cards/{wuyou.cards.get().pk}/")
    proposals = head.get_by_test_id("proposal")
    expect(proposals).to_have_count(5)
    expect(proposals.nth(0)).to_contain_text("已登记挂牌")
    expect(proposals.nth(4)).to_contain_text("七一主题党日")
    assert head.get_by_test_id("self-input").nth(0).input_value() == "1"
    assert errors == []
