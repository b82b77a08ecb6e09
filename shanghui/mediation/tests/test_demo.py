"""The mediation part of the demo: the federation's "500+ disputes mediated" over a year, every state
represented, timelines the workflow could have written, the figures of the statistics page, and a
second run that creates nothing."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any

import pytest
from django.core.management.base import OutputWrapper

from shanghui.demo import people, quzhou
from shanghui.demo.loader import Demo
from shanghui.mediation import demo as mediation_demo
from shanghui.mediation.access import stats_committees
from shanghui.mediation.models import Committee, Dispute, DisputeEvent, Party, Status
from shanghui.mediation.queries import figures
from shanghui.mediation.workflow import TRANSITIONS
from shanghui.workdays import calendar


def new_demo() -> tuple[Demo, io.StringIO]:
    out = io.StringIO()
    return Demo(stdout=OutputWrapper(out), password=None, reset_passwords=False), out


@pytest.fixture
def city(db: None, settings: Any) -> Demo:
    calendar.invalidate()
    demo, _ = new_demo()
    quzhou.load(demo)
    people.load(demo)
    return demo


def test_the_demo_reproduces_the_reported_figures_in_every_state(city):
    mediation_demo.load(city)

    disputes = list(Dispute.objects.all())
    f = figures(Committee.objects.all())
    # The federation reports 500+ disputes mediated in a year
    assert f.total == mediation_demo.DISPUTES and f.mediated >= 500
    assert {d.status for d in disputes} == set(Status)
    assert min(d.filed_at for d in disputes) > max(d.filed_at for d in disputes) - dt.timedelta(days=366)
    # Believable figures: most mediations succeed, some are confirmed by a court, most are performed
    assert f.success_rate is not None and 65 <= f.success_rate <= 90
    assert 0 < f.confirmations_granted <= f.confirmations_applied
    assert f.performance_rate is not None and f.performance_rate >= 70
    assert f.median_days is not None and 5 < f.median_days < 40
    assert f.settled > 0 and len(f.by_committee) == 7 and len(f.by_month) >= 12
    # Every dispute has two parties and a timeline of the table's actions from its creation to its status
    assert Party.objects.count() == 2 * len(disputes)
    events = Counter(DisputeEvent.objects.values_list("action", flat=True))
    assert events["create"] == len(disputes) and set(events) - {"create"} <= set(TRANSITIONS)
    for d in disputes[:60]:
        timeline = list(d.events.order_by("created_at", "pk").values_list("from_status", "to_status"))
        assert timeline[-1][1] == d.status
        assert all(a[1] == b[0] for a, b in zip(timeline[1:], timeline[2:], strict=False))
    assert len({d.number for d in disputes}) == len(disputes)
    # The well-known logins: chamber_admin of 上海 sees the figures only, mediator heads 上海's committee
    from shanghui.accounts.models import User

    chamber_admin = User.objects.get(username="chamber_admin")
    assert stats_committees(chamber_admin).count() == 1
    head = Committee.objects.get(name="衢州在上海商会人民调解委员会").head
    assert head is not None and head.username == "mediator"


def test_a_second_run_creates_nothing(city):
    mediation_demo.load(city)
    counts = (Dispute.objects.count(), DisputeEvent.objects.count(), Party.objects.count())
    again, out = new_demo()
    quzhou.load(again)
    people.load(again)
    mediation_demo.load(again)
    assert (Dispute.objects.count(), DisputeEvent.objects.count(), Party.objects.count()) == counts
    assert "已有" in out.getvalue()
