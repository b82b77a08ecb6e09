"""Rotating QR check-in/out, the organiser's marks, no-shows, hour rounding, corrections, certificates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from shanghui.activities import attendance, certificates, hours, services
from shanghui.activities.models import Attendance, HourRecord, HourState, Method, SignUp
from shanghui.audit.models import AuditEntry


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(0, "0"), (1, "0"), (15, "0"), (16, "0.5"), (45, "0.5"), (46, "1"), (59, "1"), (60, "1"), (75, "1"),
     (76, "1.5"), (105, "1.5"), (106, "2"), (120, "2"), (135, "2")],
)  # fmt: skip
def test_hours_are_rounded_per_started_hour_at_each_boundary(minutes: int, expected: str) -> None:
    assert attendance.round_hours(minutes) == Decimal(expected)


def test_the_rounding_rule_is_configurable(settings: object) -> None:
    settings.VOLUNTEER_HOUR_ROUNDING = [(30, "0"), (60, "1")]  # type: ignore[attr-defined]
    assert attendance.round_hours(90) == Decimal("1")
    assert attendance.round_hours(91) == Decimal("2")


def test_a_code_works_for_its_window_and_the_next_then_expires(act: SimpleNamespace) -> None:
    activity = act.published()
    shown = activity.starts_at
    token = attendance.qr_token(activity, "in", now=shown)
    assert attendance.read_token(token, now=shown + dt.timedelta(seconds=29))[1] == "in"
    with pytest.raises(ValidationError, match="二维码已过期") as expired:
        attendance.read_token(token, now=shown + dt.timedelta(seconds=61))
    assert expired.value.code == "expired"
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    with pytest.raises(ValidationError, match="二维码无效"):
        attendance.read_token(forged, now=shown)
    other = act.published()
    with pytest.raises(ValidationError, match="二维码无效"):
        attendance.read_token(token.replace(str(activity.pk), str(other.pk), 1), now=shown)


def test_check_in_and_out_by_qr_then_hours_pending_until_approved(act: SimpleNamespace) -> None:
    activity = act.published()
    person, absent = act.volunteer(1), act.volunteer(2)
    signup = services.sign_up(volunteer=person, slot=act.slot(activity))
    missing = services.sign_up(volunteer=absent, slot=act.slot(activity))
    t0 = activity.starts_at - dt.timedelta(minutes=5)
    attendance.scan(volunteer=person, token=attendance.qr_token(activity, "in", now=t0), now=t0)
    with pytest.raises(ValidationError, match="您已于"):
        attendance.scan(volunteer=person, token=attendance.qr_token(activity, "in", now=t0), now=t0)
    t1 = t0 + dt.timedelta(hours=2, minutes=50)
    attendance.scan(volunteer=person, token=attendance.qr_token(activity, "out", now=t1), now=t1)
    row = SignUp.objects.get(pk=signup.pk)
    assert (row.check_in_method, row.check_out_method, row.check_in_by) == (Method.QR, Method.QR, None)

    act.moved(activity, "start", "finish")

    assert SignUp.objects.get(pk=missing.pk).attendance == Attendance.NO_SHOW
    record = HourRecord.objects.get()
    assert (record.minutes, record.hours, record.state) == (170, Decimal("3.0"), HourState.PENDING)
    assert hours.approved_hours(person) == 0
    hours.decide(actor=act.chamber_staff, records=[record], approve=True)
    assert hours.approved_hours(person) == Decimal("3.0")


def test_someone_without_a_confirmed_place_cannot_check_in(act: SimpleNamespace) -> None:
    activity = act.published()
    t0 = activity.starts_at
    with pytest.raises(ValidationError, match="没有该活动的已确认报名"):
        attendance.scan(volunteer=act.volunteer(9), token=attendance.qr_token(activity, "in", now=t0), now=t0)


def test_the_organiser_marks_attendance_and_it_says_who(act: SimpleNamespace) -> None:
    activity = act.published()
    signup = services.sign_up(volunteer=act.volunteer(1), slot=act.slot(activity))
    attendance.mark(actor=act.chamber_staff, signup=signup, direction="in", at=activity.starts_at)
    row = SignUp.objects.get(pk=signup.pk)
    assert (row.check_in_method, row.check_in_by) == (Method.ORGANISER, act.chamber_staff)
    with pytest.raises(ValidationError, match="不在活动签到时间内"):
        attendance.mark(
            actor=act.chamber_staff,
            signup=signup,
            direction="out",
            at=activity.ends_at + dt.timedelta(hours=3),
        )


def finished_with_hours(act: SimpleNamespace, minutes: int = 120) -> HourRecord:
    activity = act.published()
    person = act.volunteer(1, id_number="330802199003070017")
    signup = services.sign_up(volunteer=person, slot=act.slot(activity))
    attendance.mark(actor=act.chamber_staff, signup=signup, direction="in", at=activity.starts_at)
    attendance.mark(actor=act.chamber_staff, signup=signup, direction="out",
                    at=activity.starts_at + dt.timedelta(minutes=minutes))  # fmt: skip
    act.moved(activity, "start", "finish")
    return HourRecord.objects.get(signup=signup)


def test_a_correction_is_a_new_row_that_supersedes_the_old_when_approved(act: SimpleNamespace) -> None:
    record = finished_with_hours(act)
    hours.decide(actor=act.chamber_staff, records=[record], approve=True)
    correction = hours.request_correction(record=record, hours="3", reason="签退晚了，实际服务到12点")
    with pytest.raises(ValidationError, match="已有一条待审核的更正申请"):
        hours.request_correction(record=record, hours="3.5", reason="再改")
    assert HourRecord.objects.get(pk=record.pk).hours == Decimal("2.0")  # never edited in place
    assert hours.approved_hours(record.volunteer) == Decimal("2.0")
    hours.decide(actor=act.chamber_staff, records=[correction], approve=True)
    assert HourRecord.objects.get(pk=record.pk).state == HourState.SUPERSEDED
    assert hours.approved_hours(record.volunteer) == Decimal("3.0")
    with pytest.raises(ValidationError, match="0.5"):
        hours.request_correction(record=correction, hours="2.3", reason="x")


def test_a_certificate_counts_approved_hours_and_is_audited_and_can_be_voided(act: SimpleNamespace) -> None:
    record = finished_with_hours(act, minutes=110)  # 1 h 50 min: 2 h
    request = RequestFactory().get("/")
    with pytest.raises(ValidationError, match="没有已认定"):
        certificates.issue(actor=None, volunteer=record.volunteer, organisation=act.chamber_a,
                           period_start=record.served_on, period_end=record.served_on)  # fmt: skip
    hours.decide(actor=act.chamber_staff, records=[record], approve=True)
    cert = certificates.issue(actor=None, volunteer=record.volunteer, organisation=act.chamber_a,
                              period_start=record.served_on, period_end=record.served_on, request=request)  # fmt: skip
    assert cert.hours == Decimal("2.0") and cert.number.startswith("ZYFW")
    assert "志愿服务 1 次，2.0 小时" in cert.content
    assert AuditEntry.objects.filter(action="volunteer.certificate.issue").count() == 1
    assert certificates.pdf(request, cert).startswith(b"%PDF")
    certificates.void(actor=act.chamber_admin, certificate=cert, reason="信息有误")
    assert AuditEntry.objects.filter(action="volunteer.certificate.void").count() == 1


def test_star_levels_are_data(act: SimpleNamespace) -> None:
    assert hours.star_level(Decimal("99.5")) is None
    level = hours.star_level(Decimal("320"))
    assert level is not None and level.name == "二星"
    nxt = hours.next_star(Decimal("320"))
    assert nxt is not None and nxt.min_hours == Decimal("600")
