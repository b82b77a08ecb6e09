"""Services of dispute mediation: intake, the conflict check, refusal, the clocks on the working-day
calendar (acceptance, mediation across a holiday, the 30-day confirmation window), deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shanghui.audit.models import AuditEntry
from shanghui.lib.workdays import end_of_day
from shanghui.mediation import services
from shanghui.mediation.clocks import CLOCKS, DEADLINES
from shanghui.mediation.models import (
    Assignment,
    Dispute,
    DisputeEvent,
    Outcome,
    Party,
    PartyKind,
    Side,
    Source,
    Status,
    Tie,
    TieKind,
)
from shanghui.mediation.services import PartyInput
from shanghui.mediation.tests.conftest import APPLICANT_MOBILE, RESPONDENT_MOBILE, pdf
from shanghui.mediation.workflow import APPLICANT, COMMITTEE, MACHINE, MEDIATOR, RESPONDENT, Conflict
from shanghui.notify.models import OutboxMessage
from shanghui.orgs.models import Role
from shanghui.orgs.tests.factories import grant

BEIJING = dt.timezone(dt.timedelta(hours=8))


@contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        yield


def act(w: SimpleNamespace, d: Dispute, action: str, kind: str, **params: Any) -> Dispute:
    actor = {COMMITTEE: w.med_admin, MEDIATOR: w.mediator}.get(kind)
    return services.act(dispute_id=d.pk, action=action, actor=actor, kinds={kind}, params=params)


def mediating(w: SimpleNamespace) -> Dispute:
    d = w.new()
    act(w, d, "accept", COMMITTEE)
    return act(w, d, "consent", RESPONDENT)


# --- Intake -------------------------------------------------------------------------------------------


def test_a_party_files_on_the_phone_and_the_acceptance_clock_runs_three_working_days(med):
    # Given Thursday 24 September 2026; the 25th to the 27th are rest days (Mid-Autumn Festival)
    with at(dt.datetime(2026, 9, 24, 10, tzinfo=BEIJING)):
        dispute = med.new()
    assert dispute.status == Status.FILED and dispute.source == Source.PARTY
    assert dispute.number.startswith("TJ2026") and dispute.number.endswith(f"{dispute.pk:06d}")
    assert dispute.acceptance_due_at == end_of_day(dt.date(2026, 9, 30))
    parties = {p.side: p for p in Party.objects.filter(dispute=dispute)}
    assert parties[Side.APPLICANT].enterprise == med.enterprise_a
    assert parties[Side.RESPONDENT].mobile == RESPONDENT_MOBILE
    assert DisputeEvent.objects.get(dispute=dispute).action == "create"
    # The committee's admin hears of it
    assert OutboxMessage.objects.filter(recipient=med.med_admin, event="mediation.filed").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "十万"}, "amount"),
        ({"facts": "  "}, "facts"),
        ({"kind": "war"}, "kind"),
        ({"source": "court", "actor": "admin"}, "external_number"),
    ],
)
def test_bad_intake_gets_a_clear_error_and_writes_nothing(med, change, field):
    if change.pop("actor", None):
        change["actor"], change["mobile"] = med.med_admin, ""
    with pytest.raises(ValidationError) as info:
        med.new(**change)
    assert field in info.value.message_dict
    assert Dispute.objects.count() == 0


def test_an_enterprise_party_needs_a_valid_credit_code_and_the_filer_must_be_an_applicant(med):
    bad = med.parties()
    bad[1].credit_code = "91330802MA0000000X"
    with pytest.raises(ValidationError) as info:
        med.new(parties=bad)
    assert "respondent_credit_code" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        med.new(mobile="13900000000")
    assert "applicant_mobile" in info.value.message_dict
    # Staff who are not the committee's admins cannot file for it
    with pytest.raises(PermissionDenied):
        med.new(actor=med.mediator, mobile="")
    assert Dispute.objects.count() == 0


def test_a_court_delegation_keeps_the_courts_case_number(med):
    d = med.new(actor=med.med_admin, mobile="", source=Source.COURT, external_number="(2026)浙0802民诉前调123号",
                delegated_by="衢州市柯城区人民法院")  # fmt: skip
    assert (d.source, d.external_number, d.filed_by) == (
        Source.COURT,
        "(2026)浙0802民诉前调123号",
        med.med_admin,
    )


# --- The conflict check -------------------------------------------------------------------------------


def test_the_conflict_check_finds_every_kind_of_tie_and_blocks_the_assignment(med):
    d = med.new()
    respondent_code = med.respondent_org.credit_code
    # Holds office in the respondent's enterprise (member registry, with a title)
    # Works for the applicant's enterprise (member registry, no title)
    worker = med.mediator2
    grant(worker, med.enterprise_a, Role.LECTURER)
    # Related by record: a relative in the respondent's enterprise (register of ties)
    relative = grant(med.outsider, med.chamber_a, Role.MEDIATOR)
    from shanghui.mediation.models import CommitteeMember, MemberRole

    CommitteeMember.objects.create(committee=med.committee, user=relative, role=MemberRole.MEDIATOR)
    Tie.objects.create(user=relative, credit_code=respondent_code, enterprise_name="乙", kind=TieKind.RELATIVE,
                       note="配偶任财务")  # fmt: skip
    # Is a party's contact person themself
    med.mediator.mobile = RESPONDENT_MOBILE
    med.mediator.save()

    found = {}
    for person in (med.tied, worker, relative, med.mediator):
        with pytest.raises(ValidationError) as info:
            services.assign_mediator(actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=person)
        found[person.username] = info.value.message_dict["mediator"][0]
    assert "担任监事" in found["tied"]
    assert "任职（会员登记）" in found["mediator2"] and med.enterprise_a.name in found["mediator2"]
    assert "近亲属" in found[relative.username] and "配偶任财务" in found[relative.username]
    assert "本人是当事人" in found["mediator"]
    assert not Assignment.objects.filter(dispute=d).exists()


def test_a_conflict_is_assigned_only_with_an_override_reason_which_is_audited(med):
    d = med.new()
    with pytest.raises(ValidationError):
        services.assign_mediator(actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=med.tied)
    a = services.assign_mediator(actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=med.tied,
                                 override_reason="双方书面同意由其调解")  # fmt: skip
    assert a.conflicts[0]["kind"] == "office" and a.override_reason == "双方书面同意由其调解"
    assert AuditEntry.objects.filter(action="mediation.conflict_override", object_id=str(d.pk)).count() == 1


def test_assignment_rules_roster_three_at_most_and_only_the_committee(med):
    d = med.new()
    with pytest.raises(PermissionDenied):
        services.assign_mediator(
            actor=med.mediator, kinds={MEDIATOR}, dispute_id=d.pk, mediator=med.mediator2
        )
    with pytest.raises(ValidationError, match="名册"):
        services.assign_mediator(
            actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=med.mediator_b
        )
    for person in (med.mediator, med.mediator2):
        services.assign_mediator(actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=person)
    with pytest.raises(ValidationError, match="已在"):
        services.assign_mediator(
            actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=med.mediator
        )
    services.assign_mediator(actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=med.tied,
                             override_reason="同意")  # fmt: skip
    extra = grant(med.lecturer, med.chamber_a, Role.MEDIATOR)
    from shanghui.mediation.models import CommitteeMember, MemberRole

    CommitteeMember.objects.create(committee=med.committee, user=extra, role=MemberRole.MEDIATOR)
    with pytest.raises(ValidationError, match="最多 3"):
        services.assign_mediator(actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=extra)


def test_a_party_asks_for_another_mediator_and_the_outcome_waits_for_declarations(med):
    d = mediating(med)
    a = services.assign_mediator(
        actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=med.mediator
    )
    # Recusal asked by the respondent on the phone
    services.recuse(
        actor=None, kinds={RESPONDENT}, dispute_id=d.pk, assignment_id=a.pk, reason="曾为对方代理"
    )
    a.refresh_from_db()
    assert a.recused_at is not None
    assert not MACHINE.allowed(d, {MEDIATOR}) or "record_agreement" not in [
        t.action for t in MACHINE.allowed(d, {MEDIATOR})
    ]
    services.assign_mediator(actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=med.mediator2)
    with pytest.raises(Conflict, match="无利害关系声明"):
        services.act(dispute_id=d.pk, action="no_agreement", actor=med.mediator2, kinds={MEDIATOR},
                     params={"advice": "起诉"})  # fmt: skip
    services.declare_no_conflict(actor=med.mediator2, dispute_id=d.pk)
    with pytest.raises(Conflict, match="调解会"):
        services.act(dispute_id=d.pk, action="record_agreement", actor=med.mediator2, kinds={MEDIATOR},
                     params={"issues": "x", "terms": "y", "performance_method": "z"})  # fmt: skip


# --- Refusal, sessions, the outcome -------------------------------------------------------------------


def test_the_respondent_refusing_ends_the_dispute_with_advice_on_other_channels(med):
    d = med.new()
    act(med, d, "accept", COMMITTEE)
    before = OutboxMessage.objects.filter(channel="sms").count()
    d = services.act(
        dispute_id=d.pk, action="refuse", actor=None, kinds={RESPONDENT}, params={"reason": "不愿调解"}
    )
    assert d.status == Status.REFUSED and "诉讼" in d.advice and d.closed_at is not None
    assert list(Party.objects.filter(dispute=d, side=Side.RESPONDENT).values_list("consent", flat=True)) == [
        False
    ]
    assert CLOCKS.running(d)[0] == ""
    # Both parties are told by SMS
    assert OutboxMessage.objects.filter(channel="sms").count() == before + 2
    # The applicant (a party, not the respondent) cannot refuse for them
    d2 = med.new()
    act(med, d2, "accept", COMMITTEE)
    with pytest.raises(PermissionDenied):
        services.act(dispute_id=d2.pk, action="refuse", actor=None, kinds={APPLICANT})
    assert Dispute.objects.get(pk=d2.pk).status == Status.AWAITING_CONSENT


def test_sessions_minutes_and_a_written_agreement_through_confirmation_and_follow_up(med):
    d = mediating(med)
    services.assign_mediator(actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=med.mediator)
    services.declare_no_conflict(actor=med.mediator, dispute_id=d.pk)
    s = services.schedule_session(actor=med.mediator, kinds={MEDIATOR}, dispute_id=d.pk,
                                  scheduled_at=timezone.now(), place="商会调解室", online=False)  # fmt: skip
    assert OutboxMessage.objects.filter(event="mediation.session", channel="sms").count() == 2
    with pytest.raises(PermissionDenied):
        services.record_minutes(actor=med.med_admin, kinds={COMMITTEE}, session_id=s.pk, minutes="x")
    services.record_minutes(actor=med.mediator, kinds={MEDIATOR}, session_id=s.pk, minutes="双方确认欠款",
                            files=[pdf("minutes.pdf")])  # fmt: skip
    assert services.visible_files(d, party=True).count() == 0  # minutes not shared
    assert services.visible_files(d, party=False).count() == 1
    d = act(med, d, "record_agreement", MEDIATOR, issues="欠款数额", terms="乙方支付十万元",
            performance_method="银行转账", performance_due="2026-12-31", settled_amount="100000.00")  # fmt: skip
    assert d.outcome == Outcome.WRITTEN and str(d.settled_amount) == "100000.00"
    with pytest.raises(ValidationError):
        services.act(dispute_id=d.pk, action="sign", actor=med.mediator, kinds={MEDIATOR},
                     params={"signed_scan": __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile("a.txt", b"hello")})  # fmt: skip
    d = act(med, d, "sign", MEDIATOR, signed_scan=pdf())
    assert d.status == Status.IN_EFFECT and d.signed_scan.name.endswith(".pdf")
    d = act(med, d, "apply_confirmation", MEDIATOR, court="柯城区人民法院")
    d = act(med, d, "confirmation_granted", COMMITTEE, ruling_number="(2026)浙0802民特8号")
    assert d.status == Status.PERFORMING and d.performance_due_at == end_of_day(dt.date(2026, 12, 31))
    with pytest.raises(Exception):  # noqa: B017  an unknown performance value
        act(med, d, "record_performance", MEDIATOR, performance="maybe")
    d = act(med, d, "record_performance", MEDIATOR, performance="partly")
    assert d.status == Status.CLOSED and d.performance == "partly"


# --- Clocks on the working-day calendar ---------------------------------------------------------------


def test_the_mediation_limit_runs_thirty_days_across_the_national_day_holiday_and_extends_once(med):
    d = med.new()
    # Accepted on 3 September 2026: thirty days end on 3 October, a holiday; the limit moves to the 8th
    with at(dt.datetime(2026, 9, 3, 10, tzinfo=BEIJING)):
        d = act(med, d, "accept", COMMITTEE)
    assert d.mediation_due_at == end_of_day(dt.date(2026, 10, 8))
    assert CLOCKS.running(d)[0] == "mediation"
    d = act(med, d, "consent", RESPONDENT)
    # Overdue on the 9th, not on the 8th
    assert Dispute.objects.filter(CLOCKS.overdue_q(dt.datetime(2026, 10, 9, 9, tzinfo=BEIJING))).exists()
    assert not Dispute.objects.filter(CLOCKS.overdue_q(dt.datetime(2026, 10, 8, 20, tzinfo=BEIJING))).exists()
    # Extended once with the parties' consent: thirty more days; a second extension is refused
    d = act(med, d, "extend", MEDIATOR, reason="双方同意延长")
    assert (
        d.extended
        and d.mediation_due_at is not None
        and d.mediation_due_at > end_of_day(dt.date(2026, 11, 6))
    )
    with pytest.raises(Conflict, match="只能延长一次"):
        act(med, d, "extend", MEDIATOR, reason="再延长")


def test_the_thirty_day_confirmation_clock_starts_when_the_agreement_takes_effect(med):
    d = med.ready(mediating(med))
    d = act(med, d, "record_agreement", MEDIATOR, issues="x", terms="y", performance_method="z")
    # Signed on Friday 11 September 2026: thirty days end on Sunday 11 October, a rest day → the 12th
    with at(dt.datetime(2026, 9, 11, 15, tzinfo=BEIJING)):
        d = act(med, d, "sign", MEDIATOR, signed_scan=pdf())
    assert d.confirmation_due_at == end_of_day(dt.date(2026, 10, 12))
    assert CLOCKS.running(d)[0] == "confirmation"
    # The overdue check reminds and escalates once, however often it runs
    check = (d.pk, "confirmation", d.confirmation_due_at.isoformat(), "overdue")
    assert DEADLINES.check_now(*check) is True
    assert DEADLINES.check_now(*check) is False
    assert DisputeEvent.objects.filter(dispute=d, action="overdue").count() == 1
    assert OutboxMessage.objects.filter(event="mediation.overdue", recipient=med.med_admin).exists()
    # Applying stops the clock, on time
    with at(dt.datetime(2026, 10, 9, 9, tzinfo=BEIJING)):
        d = act(med, d, "apply_confirmation", COMMITTEE, court="柯城区人民法院")
    assert [(s.key, s.state) for s in CLOCKS.states(d, timezone.now())][2] == ("confirmation", "按时完成")


def test_a_warning_for_a_dispute_that_moved_on_does_nothing(med):
    d = med.new()
    due = d.acceptance_due_at.isoformat()
    act(med, d, "accept", COMMITTEE)
    assert DEADLINES.check_now(d.pk, "acceptance", due, "warn") is False


def test_a_person_may_be_a_party_and_no_one_files_without_a_proved_mobile(med):
    with pytest.raises(PermissionDenied):
        med.new(mobile="")
    parties = med.parties()
    parties[1] = PartyInput(side=Side.RESPONDENT, kind=PartyKind.PERSON, name="王五", mobile=RESPONDENT_MOBILE,
                            credit_code="ignored for a person")  # fmt: skip
    d = med.new(parties=parties)
    respondent = Party.objects.get(dispute=d, side=Side.RESPONDENT)
    assert (respondent.kind, respondent.credit_code, respondent.enterprise) == (PartyKind.PERSON, "", None)
    assert APPLICANT_MOBILE in set(Party.objects.filter(dispute=d).values_list("mobile", flat=True))
