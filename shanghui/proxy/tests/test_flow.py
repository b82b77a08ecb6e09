"""One case through the whole workflow, as services: the shape every page and the API build on."""

import datetime as dt

import pytest
from django.urls import reverse

from shanghui.notify.models import OutboxMessage
from shanghui.notify.tasks import deliver_due
from shanghui.proxy import services
from shanghui.proxy.models import CaseEvent, FollowUp, Status
from shanghui.proxy.workflow import AGENT, APPLICANT, CLERK, Conflict, TransitionError, transition
from shanghui.testing.cases import pdf_upload


def test_a_case_goes_from_intake_to_closed_with_a_correction_round(pw):
    case = pw.new_case()
    assert case.status == Status.DRAFT
    assert case.number.startswith("330802") and len(case.number) == 20
    assert case.item_version.number == 1
    services.add_material(case=case, actor=pw.agent, upload=pdf_upload(), slot=0)

    case = pw.act(case, "submit", APPLICANT)
    assert case.status == Status.SUBMITTED and case.review_due_at is not None

    case = pw.act(case, "request_correction", AGENT, correction_items=["户口簿首页不清晰，请重新拍摄"])
    assert case.status == Status.NEEDS_CORRECTION and case.paused_at is not None
    services.add_material(case=case, actor=None, upload=pdf_upload("户口簿2.pdf"), slot=0)
    case = pw.act(case, "resubmit", APPLICANT)
    assert case.status == Status.SUBMITTED and case.paused_at is None and case.correction_items == []

    case = pw.act(case, "forward", AGENT, window=pw.window, tracking_number="SF1234567890")
    assert case.status == Status.FORWARDED and case.window == pw.window and case.acceptance_due_at
    case = pw.act(case, "accept", CLERK, acceptance_number="KC-2026-0001")
    assert case.status == Status.ACCEPTED and case.processing_due_at > case.accepted_at
    case = pw.act(case, "complete", CLERK, result="granted", delivery_method="post", tracking_number="EMS123")
    case = pw.act(case, "deliver", APPLICANT)
    rating = services.rate_case(case=case, level=1, comment="等太久了")
    assert FollowUp.objects.get(rating=rating).responsible == pw.window
    case = pw.act(case, "close", AGENT)
    assert case.status == Status.CLOSED

    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["create", "submit", "request_correction", "resubmit", "forward", "accept", "complete",
                       "deliver", "rate", "close"]  # fmt: skip


def test_only_the_allowed_actor_may_act(pw):
    case = pw.submitted()
    with pytest.raises(TransitionError):
        pw.act(case, "accept", AGENT, acceptance_number="X")  # agents do not accept
    with pytest.raises(TransitionError):
        pw.act(case, "forward", CLERK, window=pw.window)
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_an_action_from_the_wrong_status_is_a_conflict_and_changes_nothing(pw):
    case = pw.submitted()
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(Conflict):
        pw.act(case, "accept", CLERK, acceptance_number="X")
    with pytest.raises(Conflict):
        transition(
            case_id=case.pk, action="withdraw", actor=None, actor_kind=APPLICANT, expected_status="draft"
        )
    assert CaseEvent.objects.filter(case=case).count() == events


def test_refusal_needs_a_reason(pw):
    case = pw.case_in("forwarded")
    with pytest.raises(TransitionError):
        pw.act(case, "refuse", CLERK, reason="")
    case = pw.act(case, "refuse", CLERK, reason="非本窗口受理范围")
    assert case.status == Status.REFUSED and case.refusal_reason == "非本窗口受理范围"


def test_forwarding_to_a_window_of_another_department_or_county_is_refused(pw):
    case = pw.submitted()
    with pytest.raises(TransitionError):
        pw.act(case, "forward", AGENT, window=pw.window2)


def test_suspension_pauses_the_processing_clock(pw, clock):
    case = pw.case_in("accepted", params={"accept": {"acceptance_number": "A1"}})
    due = case.processing_due_at
    case = pw.act(case, "suspend", CLERK, reason="等待外省公安核查")
    clock.advance(days=3)
    case = pw.act(case, "resume", CLERK)
    assert abs((case.processing_due_at - due) - dt.timedelta(days=3)) < dt.timedelta(seconds=5)


def test_the_same_form_submitted_twice_creates_one_case(pw):
    first = pw.new_case(idempotency_key="form-abc")
    second = pw.new_case(idempotency_key="form-abc")
    assert first.pk == second.pk


def test_notifications_are_written_with_the_change_and_delivered_by_the_task(pw):
    case = pw.case_in("forwarded")
    sms = OutboxMessage.objects.filter(channel="sms", address=pw.applicant.mobile)
    assert sms.count() == 2  # submitted, forwarded
    assert OutboxMessage.objects.filter(channel="in_app", recipient=pw.clerk).exists()
    deliver_due()
    assert pw.clerk.notifications.filter(url=reverse("proxy:detail", args=[case.pk])).exists()
    assert not OutboxMessage.objects.exclude(state="sent").exists()
    deliver_due()  # again: nothing is delivered twice
    assert pw.clerk.notifications.count() == 1
