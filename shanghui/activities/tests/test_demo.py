"""The demo's year of activities reproduces the reported figure (10,000+ volunteer person-times a year,
DESIGN.md) with every state of an activity present, and keeps the engine's rules."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management.base import OutputWrapper
from django.db.models import Count, F, Q
from django.utils import timezone

from shanghui.activities import demo as activities_demo
from shanghui.activities.models import (
    HOLDING,
    Activity,
    Attendance,
    HourRecord,
    HourState,
    SignUp,
    Status,
)
from shanghui.demo import people, quzhou
from shanghui.demo.loader import Demo

pytestmark = pytest.mark.django_db


def test_a_year_of_activities_with_the_reported_figures() -> None:
    out = io.StringIO()
    demo = Demo(stdout=OutputWrapper(out), password="Quzhou#Demo2026", reset_passwords=False)
    quzhou.load(demo)
    people.load(demo)
    activities_demo.load(demo)

    year_ago = timezone.now() - dt.timedelta(days=365)
    volunteering = Activity.objects.filter(kind__code="volunteer", starts_at__gte=year_ago)
    person_times = SignUp.objects.filter(activity__in=volunteering, attendance=Attendance.PRESENT).count()
    assert person_times >= 10_000
    assert f"志愿服务 {person_times} 人次" in out.getvalue()
    assert set(Activity.objects.values_list("status", flat=True)) == set(Status.values)
    assert Activity.objects.values("organisation").distinct().count() >= 16
    # Closed activities have only approved hours; finished ones wait for approval.
    assert (
        not HourRecord.objects.filter(activity__status=Status.CLOSED)
        .exclude(state=HourState.APPROVED)
        .exists()
    )
    assert HourRecord.objects.filter(activity__status=Status.FINISHED, state=HourState.PENDING).exists()
    assert SignUp.objects.filter(attendance=Attendance.NO_SHOW).exists()
    # Never more places taken than a slot has, never one person in two overlapping slots.
    over = (
        SignUp.objects.filter(state__in=HOLDING)
        .values("slot")
        .annotate(n=Count("pk"))
        .filter(n__gt=F("slot__quantity"))
    )
    assert not over.exists()
    first = SignUp.objects.exclude(state__in=["cancelled", "refused"])
    clash = first.filter(
        Q(volunteer__signups__starts_at__lt=F("ends_at")) & Q(volunteer__signups__ends_at__gt=F("starts_at"))
        & ~Q(volunteer__signups__pk=F("pk")) & Q(volunteer__signups__state__in=["applied", "confirmed", "waitlisted"])
    )  # fmt: skip
    assert not clash.exists()
    # Risky ones are insured (the database's constraint holds too).
    assert (
        not Activity.objects.exclude(risk="low")
        .filter(insurance_policy="")
        .exclude(status__in=["draft", "pending", "cancelled"])
        .exists()
    )

    # Idempotent: a second run creates nothing.
    before = (Activity.objects.count(), SignUp.objects.count())
    activities_demo.load(demo)
    assert (Activity.objects.count(), SignUp.objects.count()) == before
