"""The kernel's generated tests for the activity table, and the rules the status alone cannot say."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from shanghui.activities import services
from shanghui.activities.attendance import mark
from shanghui.activities.hours import decide
from shanghui.activities.models import Activity, ActivityEvent, HourRecord, Risk, Status
from shanghui.activities.workflow import (
    APPROVER,
    HOURS_PENDING,
    MACHINE,
    ORGANISER,
    RISKY_NEEDS_INSURANCE,
    SYSTEM,
)
from shanghui.workflow.machine import Conflict
from shanghui.workflow.testing import Walks

WALKS = Walks(
    machine=MACHINE,
    fixture="act",
    actor_kinds=(ORGANISER, APPROVER, SYSTEM),
    paths={
        "draft": [],
        "draft@returned": ["submit", "reject"],
        "pending": ["submit"],
        "published": ["submit", "approve"],
        "in_progress": ["submit", "approve", "start"],
        "finished": ["submit", "approve", "start", "finish"],
        "closed": ["submit", "approve", "start", "finish", "close"],
        "cancelled": ["cancel"],
    },
    new=lambda w: w.new(),
    actor_for=lambda w, kind: {ORGANISER: w.chamber_staff, APPROVER: w.chamber_admin}.get(kind),
    params_for=lambda w, action: {"reason": "天气原因"} if action in ("reject", "cancel") else {},
)
(
    test_an_allowed_action_moves_the_record_and_writes_one_event,
    test_every_refused_action_raises_and_changes_nothing,
    test_an_action_without_its_required_inputs_is_refused,
    test_the_table_reaches_every_status_and_final_ones_have_no_way_out,
) = WALKS.tests(final={Status.CLOSED, Status.CANCELLED})


def test_a_risky_activity_without_insurance_cannot_be_published(act: SimpleNamespace) -> None:
    activity = act.new(risk=Risk.HIGH)
    with pytest.raises(Conflict, match="意外保险"):
        MACHINE.transition(pk=activity.pk, action="submit", actor=act.chamber_staff, actor_kind=ORGANISER)
    assert Activity.objects.get(pk=activity.pk).status == Status.DRAFT
    assert RISKY_NEEDS_INSURANCE in [r for r in [MACHINE.blocked(activity, MACHINE.table["approve"])]]

    services.update_activity(actor=act.chamber_staff, activity=activity, insurance_policy="PICC-2026-0001")
    published = act.moved(Activity.objects.get(pk=activity.pk), "submit", "approve")
    assert published.status == Status.PUBLISHED


def test_the_database_refuses_a_published_risky_activity_without_insurance(act: SimpleNamespace) -> None:
    from django.db import IntegrityError, transaction

    activity = act.published()
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(risk=Risk.MEDIUM)


def test_closing_waits_for_every_hour_record_to_be_decided(act: SimpleNamespace) -> None:
    activity = act.published()
    volunteer = act.volunteer(1)
    signup = services.sign_up(volunteer=volunteer, slot=act.slot(activity))
    activity = act.moved(activity, "start")
    mark(actor=act.chamber_staff, signup=signup, direction="in", at=activity.starts_at)
    mark(
        actor=act.chamber_staff,
        signup=signup,
        direction="out",
        at=activity.starts_at + (activity.ends_at - activity.starts_at),
    )
    activity = act.moved(activity, "finish")
    record = HourRecord.objects.get(signup=signup)
    with pytest.raises(Conflict, match=HOURS_PENDING):
        act.moved(activity, "close")
    decide(actor=act.chamber_staff, records=[record], approve=True)
    assert act.moved(activity, "close").status == Status.CLOSED
    assert ActivityEvent.objects.filter(activity=activity, action="hours").count() == 1


def test_cancelling_tells_everyone_signed_up(act: SimpleNamespace) -> None:
    activity = act.published(slots=[{"role": "引导员", "quantity": 1}])
    first, second = act.volunteer(1), act.volunteer(2)
    services.sign_up(volunteer=first, slot=act.slot(activity))
    services.sign_up(volunteer=second, slot=act.slot(activity))  # waitlisted: told too
    act.moved(activity, "cancel")
    for person in (first, second):
        assert [n.text for n in person.notices.all()] == ["活动“社区环境整治志愿服务”已取消：天气原因"]
    from shanghui.notify.models import OutboxMessage

    assert set(OutboxMessage.objects.filter(event="activity.notice").values_list("address", flat=True)) == {
        first.mobile, second.mobile,
    }  # fmt: skip
