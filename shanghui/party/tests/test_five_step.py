"""五步审查 on the review-chain engine: the whole journey, parallel departments, 有异议, re-review after a
change, hard-rule checks, delegation, one reviewer on two steps, publicity of the list."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import cast

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shanghui.accounts.models import User
from shanghui.audit.models import AuditEntry
from shanghui.orgs.models import Role
from shanghui.orgs.tests.factories import UserFactory, grant
from shanghui.party import checks, services
from shanghui.party.models import Candidate
from shanghui.publicity import services as publicity
from shanghui.publicity.models import Notice
from shanghui.reviews import services as reviews
from shanghui.reviews.models import Chain, ChainStep, Opinion
from shanghui.reviews.workflow import MACHINE as CHAINS
from shanghui.workflow.machine import Conflict


def chain_of(candidate: Candidate) -> Chain:
    return Chain.objects.get(owner_type="party.candidate", owner_id=candidate.pk)


def self_check(p: SimpleNamespace, candidate: Candidate, declared: tuple[str, ...] = ()) -> None:
    services.submit_self_check(candidate=candidate, mobile=p.mobile, conditions=list(checks.CONDITIONS),
                               disqualifications=list(declared), signature=candidate.name)  # fmt: skip


def through_committee(p: SimpleNamespace, candidate: Candidate) -> Chain:
    services.start_vetting(actor=p.chamber_admin, candidate=candidate)
    self_check(p, candidate)
    chain = chain_of(candidate)
    for who in (p.secretary, p.chamber_admin, p.committee):
        chain = reviews.decide(chain=chain, actor=who, action="approve", opinion="同意")
    return chain


def test_the_whole_journey_ends_in_a_final_candidate(party: SimpleNamespace) -> None:
    p = party
    candidate = p.new_candidate()
    chain = through_committee(p, candidate)
    assert chain.current == 4 and chain.status == Chain.Status.RUNNING

    # Three departments review in parallel; one asks for more material first.
    chain = reviews.decide(chain=chain, actor=p.dept_admin, action="approve", opinion="无违法犯罪记录")
    chain = reviews.decide(chain=chain, actor=p.dept2_admin, action="ask_more", reason="请补充社保缴纳证明")
    assert chain.status == Chain.Status.MORE
    chain = reviews.decide(chain=chain, actor=p.chamber_admin, action="supply")
    assert chain.status == Chain.Status.RUNNING
    step = chain.steps.get(index=4)
    assert {a.department_id: a.opinion for a in step.answers.all()} == {
        p.dept.pk: Opinion.AGREE,
        p.dept2.pk: "",
        p.dept3.pk: "",
    }
    chain = reviews.decide(chain=chain, actor=p.dept2_admin, action="approve")
    assert chain.status == Chain.Status.RUNNING  # one department has not answered yet
    chain = reviews.decide(chain=chain, actor=p.dept3_admin, action="approve")
    assert chain.status == Chain.Status.APPROVED
    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.APPROVED

    # The list goes to publicity; an objection is filed and answered; the result becomes final.
    notice = services.publish_list(actor=p.committee, election=p.election)
    assert notice.items == [
        {
            "key": f"candidate:{candidate.pk}",
            "name": "王建国",
            "detail": "会长候选人 · 衢州甲科技有限公司 董事长",
        }
    ]
    objection = publicity.file_objection(
        notice_id=notice.pk, name="李四", contact="13800000000", text="企业欠薪？"
    )
    Notice.objects.filter(pk=notice.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(Conflict, match="异议未答复"):
        publicity.finalise(notice=notice, actor=p.committee)
    publicity.answer_objection(
        objection_id=objection.pk, actor=p.committee, answer="经核实无欠薪", upheld=False
    )
    publicity.finalise(notice=notice, actor=p.committee)
    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.FINAL
    actions = list(chain.events.values_list("action", flat=True))
    assert actions == ["start", "approve", "approve", "approve", "approve", "approve", "ask_more", "supply",
                       "approve", "approve", "conclude"]  # fmt: skip
    assert AuditEntry.objects.filter(action="review.decide").count() == 11 - 1  # every decision but the start


def test_an_objection_from_one_department_stops_the_chain_with_its_reason(party: SimpleNamespace) -> None:
    p = party
    candidate = p.new_candidate()
    chain = through_committee(p, candidate)
    chain = reviews.decide(chain=chain, actor=p.dept3_admin, action="object", reason="存在重大违法经营记录")
    assert chain.status == Chain.Status.REJECTED and chain.reason == "存在重大违法经营记录"
    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.REJECTED
    with pytest.raises(PermissionDenied):
        reviews.decide(chain=chain, actor=p.dept_admin, action="approve")


def test_a_department_answers_once_and_only_for_itself(party: SimpleNamespace) -> None:
    p = party
    chain = through_committee(p, p.new_candidate())
    reviews.decide(chain=chain, actor=p.dept_admin, action="approve")
    with pytest.raises(PermissionDenied):
        reviews.decide(chain=chain, actor=p.dept_admin, action="approve")
    with pytest.raises(PermissionDenied):
        reviews.decide(chain=chain, actor=p.dept_admin, action="approve", department=p.dept2.pk)
    for stranger in (p.outsider, p.chamber_admin_b, p.clerk):
        with pytest.raises(PermissionDenied):
            reviews.decide(chain=chain, actor=stranger, action="approve")


def test_a_declared_disqualification_blocks_the_branch_review(party: SimpleNamespace) -> None:
    p = party
    candidate = p.new_candidate()
    services.start_vetting(actor=p.chamber_admin, candidate=candidate)
    self_check(p, candidate, declared=("被列为失信被执行人",))
    chain = chain_of(candidate)
    assert chain.steps.get(index=1).check_failures == ["自查申报：被列为失信被执行人"]
    with pytest.raises(Conflict, match="硬性条件未通过"):
        reviews.decide(chain=chain, actor=p.secretary, action="approve")
    reviews.decide(chain=chain, actor=p.secretary, action="object", reason="失信被执行人")
    assert Candidate.objects.get(pk=candidate.pk).status == Candidate.Status.REJECTED


def test_age_and_terms_are_checked_before_the_branch_review(party: SimpleNamespace) -> None:
    p = party
    candidate = p.new_candidate(birth_date=dt.date(1950, 1, 1), terms_served=2)
    services.start_vetting(actor=p.chamber_admin, candidate=candidate)
    self_check(p, candidate)
    failures = chain_of(candidate).steps.get(index=1).check_failures
    assert failures == ["换届时年龄77周岁，超过70周岁", "已连任2届会长，连任不得超过2届"]


def test_the_self_check_needs_the_candidates_own_phone_and_every_condition(party: SimpleNamespace) -> None:
    p = party
    candidate = p.new_candidate()
    services.start_vetting(actor=p.chamber_admin, candidate=candidate)
    with pytest.raises(PermissionDenied):
        services.submit_self_check(candidate=candidate, mobile="13700000000", conditions=list(checks.CONDITIONS),
                                   disqualifications=[], signature="王建国")  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.submit_self_check(candidate=candidate, mobile=p.mobile, conditions=list(checks.CONDITIONS[:2]),
                                   disqualifications=[], signature="王")  # fmt: skip
    assert set(exc.value.message_dict) == {"conditions", "signature"}
    assert chain_of(candidate).current == 0
    assert not Candidate.objects.get(pk=candidate.pk).self_checked_at


def test_a_change_to_the_file_makes_the_later_steps_run_again(party: SimpleNamespace) -> None:
    p = party
    candidate = p.new_candidate()
    chain = through_committee(p, candidate)
    assert chain.current == 4
    services.update_candidate(actor=p.chamber_admin, candidate=candidate, enterprise="衢州乙公司 总经理")
    chain.refresh_from_db()
    assert chain.current == 1 and chain.subject_version == 2
    states = list(chain.steps.order_by("index").values_list("state", flat=True))
    assert states == ["done", "active", "pending", "pending", "pending"]
    assert chain.events.last().action == "rerun"  # type: ignore[union-attr]


def test_a_reviewer_on_two_steps_is_asked_once_recorded_for_both(party: SimpleNamespace) -> None:
    p = party
    grant(p.chamber_admin, p.city, Role.PARTY_OFFICER)  # the chamber head also sits on the party committee
    candidate = p.new_candidate()
    services.start_vetting(actor=p.chamber_admin, candidate=candidate)
    self_check(p, candidate)
    chain = reviews.decide(chain=chain_of(candidate), actor=p.secretary, action="approve")
    chain = reviews.decide(chain=chain, actor=p.chamber_admin, action="approve", opinion="同意")
    assert chain.current == 4
    done = chain.steps.filter(index__in=[2, 3])
    assert [(s.state, s.decided_by_id) for s in done] == [("done", p.chamber_admin.pk)] * 2
    assert chain.events.last().data["also"] == ["党委复审"]  # type: ignore[union-attr]


def test_a_deputy_decides_for_the_reviewer_during_the_delegation(party: SimpleNamespace) -> None:
    p = party
    deputy = cast(User, UserFactory(username="deputy"))
    candidate = p.new_candidate()
    services.start_vetting(actor=p.chamber_admin, candidate=candidate)
    self_check(p, candidate)
    chain = chain_of(candidate)
    with pytest.raises(PermissionDenied):
        reviews.decide(chain=chain, actor=deputy, action="approve")
    today = timezone.localdate()
    reviews.delegate(
        principal=p.secretary,
        deputy=deputy,
        starts_on=today,
        ends_on=today + dt.timedelta(days=7),
        actor=p.secretary,
    )
    chain = reviews.decide(chain=chain, actor=deputy, action="approve", opinion="受托审查")
    assert chain.steps.get(index=1).decided_by == deputy


def test_send_back_returns_to_an_earlier_step(party: SimpleNamespace) -> None:
    p = party
    candidate = p.new_candidate()
    chain = through_committee(p, candidate)
    chain = reviews.decide(chain=chain, actor=p.dept_admin, action="send_back", reason="重新初审", to_step=1)
    assert chain.current == 1 and chain.status == Chain.Status.RUNNING
    assert chain.steps.get(index=4).state == ChainStep.State.PENDING


def test_overdue_steps_are_flagged_once(party: SimpleNamespace) -> None:
    p = party
    candidate = p.new_candidate()
    services.start_vetting(actor=p.chamber_admin, candidate=candidate)
    later = timezone.now() + dt.timedelta(days=30)
    assert reviews.flag_overdue(later) == 1
    assert reviews.flag_overdue(later) == 0
    assert CHAINS.event_label(chain_of(candidate).events.last().action) == "审查超时提醒"  # type: ignore[union-attr]


def test_an_upheld_objection_strikes_the_candidate(party: SimpleNamespace) -> None:
    p = party
    candidate = p.new_candidate()
    chain = through_committee(p, candidate)
    for who in (p.dept_admin, p.dept2_admin, p.dept3_admin):
        chain = reviews.decide(chain=chain, actor=who, action="approve")
    with pytest.raises(PermissionDenied):
        services.publish_list(actor=p.chamber_admin, election=p.election)
    notice = services.publish_list(actor=p.committee, election=p.election)
    o = publicity.file_objection(
        notice_id=notice.pk,
        name="赵六",
        contact="0570-1234567",
        text="有欠薪",
        item_key=f"candidate:{candidate.pk}",
    )
    publicity.answer_objection(objection_id=o.pk, actor=p.committee, answer="经核实属实", upheld=True)
    Notice.objects.filter(pk=notice.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    publicity.finalise(notice=notice, actor=None)
    assert Candidate.objects.get(pk=candidate.pk).status == Candidate.Status.REJECTED


def test_an_objection_needs_name_and_contact_and_changes_nothing_without(party: SimpleNamespace) -> None:
    p = party
    candidate = p.new_candidate()
    chain = through_committee(p, candidate)
    for who in (p.dept_admin, p.dept2_admin, p.dept3_admin):
        chain = reviews.decide(chain=chain, actor=who, action="approve")
    notice = services.publish_list(actor=p.committee, election=p.election)
    with pytest.raises(ValidationError) as exc:
        publicity.file_objection(notice_id=notice.pk, name=" ", contact="", text="有问题")
    assert set(exc.value.message_dict) == {"name", "contact"}
    assert not notice.objections.exists()


def test_a_reminder_is_enqueued_for_each_step_at_its_due_time(party: SimpleNamespace) -> None:
    from django_tasks_db.models import DBTaskResult

    p = party
    candidate = p.new_candidate()
    services.start_vetting(actor=p.chamber_admin, candidate=candidate)
    step = chain_of(candidate).steps.get(index=0)
    row = DBTaskResult.objects.filter(task_path="shanghui.reviews.tasks.check_step").get()
    assert row.args_kwargs["args"][0] == step.pk
    assert dt.datetime.fromisoformat(row.args_kwargs["args"][1]) == step.due_at == row.run_after
    assert step.due_at is not None
    assert not reviews.flag_step(step.pk, step.due_at.isoformat())  # not due yet


def test_a_notice_becomes_final_by_itself_at_the_end_once_objections_are_answered(
    party: SimpleNamespace,
) -> None:
    from shanghui.publicity.tasks import finalise_when_due

    p = party
    notice = publicity.open_notice(owner_type="party.election", owner_id=p.election.pk, title="公示",
                                   items=[{"key": "x", "name": "甲"}], actor=p.committee)  # fmt: skip
    objection = publicity.file_objection(notice_id=notice.pk, name="甲", contact="1", text="异议")
    assert not finalise_when_due.call(notice.pk)  # the period is not over
    Notice.objects.filter(pk=notice.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    assert not finalise_when_due.call(notice.pk)  # an objection has no answer
    publicity.answer_objection(objection_id=objection.pk, actor=p.committee, answer="已核实", upheld=False)
    assert finalise_when_due.call(notice.pk)
    assert Notice.objects.get(pk=notice.pk).status == "final"
