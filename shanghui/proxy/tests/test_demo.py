"""The proxy-case part of the demo: a year of about 2,600 cases in every state, told on the working-day
calendar, with timelines the workflow could have written, valid applicants, unique numbers, ratings and
follow-ups, reminders enqueued for the open cases only; and a second run creates nothing."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter, defaultdict
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management.base import OutputWrapper
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shanghui.catalog import demo as catalog_demo
from shanghui.catalog.models import ServiceItem
from shanghui.demo import people, quzhou
from shanghui.demo.loader import Demo
from shanghui.lib.validators import id_number_error, is_valid_mobile
from shanghui.lib.workdays import add_working_days, local_date
from shanghui.orgs.models import OrgKind
from shanghui.proxy import clocks, services
from shanghui.proxy import demo as proxy_demo
from shanghui.proxy.models import (
    FINAL_STATUSES,
    Case,
    CaseEvent,
    CaseMaterial,
    Channel,
    DailySerial,
    FollowUp,
    Rating,
    Status,
)
from shanghui.proxy.workflow import TRANSITIONS
from shanghui.workdays import calendar

COUNTY_CODES = {c.region_code for c in quzhou.COUNTIES}
NOT_TRANSITIONS = {"create", "rate", "overdue"}


def on_time(cases: list[Case], done: str, due: str) -> float:
    """The share of `cases` whose step was done by its due time."""
    return sum(1 for c in cases if getattr(c, done) <= getattr(c, due)) / len(cases)


def new_demo() -> tuple[Demo, io.StringIO]:
    out = io.StringIO()
    return Demo(stdout=OutputWrapper(out), password=None, reset_passwords=False), out


@pytest.fixture
def quzhou_world(db: None, settings: Any, tmp_path: Any) -> Demo:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    calendar.invalidate()
    demo, _ = new_demo()
    quzhou.load(demo)
    people.load(demo)
    catalog_demo.load_quzhou(demo.stdout)
    return demo


def test_the_demo_tells_a_year_of_cases_in_every_state(quzhou_world):
    # When the proxy part loads
    proxy_demo.load(quzhou_world)
    now = timezone.now()
    cases = list(Case.objects.select_related("item", "item_version", "window"))
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    for event in CaseEvent.objects.order_by("case_id", "created_at", "id"):
        events[event.case_id].append(event)

    # Then there are about 2,600 cases over the last year, in every state, at all sixteen points
    assert len(cases) == proxy_demo.CASES >= 2600
    assert quzhou_world.created["代办件"] == len(cases)
    statuses = Counter(c.status for c in cases)
    assert set(statuses) == set(Status.values)
    assert statuses[Status.CLOSED] > len(cases) * 0.75
    assert 5 <= sum(statuses[s] for s in (Status.SUBMITTED, Status.FORWARDED, Status.ACCEPTED)) <= 200
    assert all(now - dt.timedelta(days=366) < c.created_at <= now for c in cases)
    assert {c.proxy_point.name for c in cases} == {rc.proxy_point for rc in quzhou.REMOTE_CHAMBERS}
    # old cases are finished; what is still open is recent
    assert {c.status for c in cases if (now - c.created_at).days > 90} <= FINAL_STATUSES
    assert all((now - c.created_at).days < 12 for c in cases if c.status in (Status.DRAFT, Status.SUBMITTED))
    assert {Channel.AGENT, Channel.CITIZEN} <= {c.channel for c in cases}

    # on proxy-eligible Quzhou items, pinned to their current version, common matters most often
    items = Counter(c.item.name for c in cases)
    assert all(c.item.proxy_eligible and c.item_version.number == c.item.version for c in cases)
    assert all(c.item_version.item_id == c.item_id and c.department_id == c.item.department_id for c in cases)
    assert items.most_common(1)[0][0].startswith("居民身份证")
    assert items["居民身份证办理（包括临时）"] > items["社会保障卡申领"] > 10
    assert (
        ServiceItem.objects.get(name="居民身份证办理（包括临时）").usage_count
        >= items["居民身份证办理（包括临时）"] - 5
    )

    # with valid invented applicants from Quzhou's counties
    for case in cases:
        assert id_number_error(case.applicant_id_number) is None, case.applicant_id_number
        assert case.applicant_id_number[:6] == case.home_region_code in COUNTY_CODES
        assert is_valid_mobile(case.applicant_mobile)
        assert case.applicant_id_hash and case.applicant_name

    # forwarded to the window of the item's department in the applicant's home county
    for case in cases:
        if case.window is not None:
            assert case.window.kind == OrgKind.WINDOW and case.window.parent_id == case.department_id
            assert case.window.region_code == case.home_region_code

    # numbered by region and Beijing day, gap-free, with the serials advanced for live intakes
    numbers = Counter(c.number for c in cases)
    assert max(numbers.values()) == 1
    per_day: dict[tuple[str, str], list[int]] = defaultdict(list)
    for case in cases:
        match = re.fullmatch(r"([0-9]{6})([0-9]{8})([0-9]{6})", case.number)
        assert match is not None
        assert match[1] == case.home_region_code and match[2] == f"{local_date(case.created_at):%Y%m%d}"
        per_day[(match[1], match[2])].append(int(match[3]))
    assert all(sorted(serials) == list(range(1, len(serials) + 1)) for serials in per_day.values())
    serials = {(s.region_code, f"{s.day:%Y%m%d}"): s.last for s in DailySerial.objects.all()}
    assert all(serials[key] == len(values) for key, values in per_day.items())

    # each timeline is one the workflow could have written, in order, ending in the case's status
    for case in cases:
        timeline = events[case.pk]
        assert timeline[0].action == "create" and timeline[0].created_at == case.created_at
        status: str = Status.DRAFT
        for before, event in zip(timeline, timeline[1:], strict=False):
            assert before.created_at <= event.created_at <= now
        for event in timeline[1:]:
            assert event.from_status == status, (case.number, event.action)
            if event.action not in NOT_TRANSITIONS:
                spec = TRANSITIONS[event.action]
                assert status in spec.sources and event.actor_kind in spec.actors, (case.number, event.action)
                status = event.to_status
        assert status == case.status, case.number
        assert (case.closed_at is not None) == (case.status in FINAL_STATUSES)
        assert (case.paused_at is not None) == (case.status in (Status.NEEDS_CORRECTION, Status.SUSPENDED))

    # on the working-day calendar: the clocks are those the workflow computes, mostly kept, some not
    cal = calendar.current()
    plain = [c for c in cases if {e.action for e in events[c.pk]}.isdisjoint({"request_correction", "window_correction", "suspend"})]  # fmt: skip
    for case in plain:
        if case.submitted_at:
            assert case.review_due_at == add_working_days(cal, case.submitted_at, 1)
        if case.forwarded_at:
            assert case.acceptance_due_at == add_working_days(cal, case.forwarded_at, 2)
        if case.accepted_at:
            assert case.processing_due_at == clocks.processing_due(case, case.accepted_at)
    forwarded = [c for c in cases if c.forwarded_at]
    assert 0.85 < on_time(forwarded, "forwarded_at", "review_due_at") < 0.99
    completed = [c for c in cases if c.completed_at]
    assert 0.85 < on_time(completed, "completed_at", "processing_due_at") < 0.99
    assert set(CaseEvent.objects.filter(action="overdue").values_list("data__clock", flat=True)) == {
        "review", "acceptance", "processing",
    }  # fmt: skip
    assert {"request_correction", "window_correction", "suspend", "resume"} <= {
        e.action for timeline in events.values() for e in timeline
    }

    # most delivered cases are rated, mostly well; every bad rating has a follow-up
    delivered = [c for c in cases if c.delivered_at]
    ratings = list(Rating.objects.select_related("case"))
    assert len(ratings) > 0.7 * len(delivered)
    levels = Counter(r.level for r in ratings)
    assert levels[5] + levels[4] > 0.85 * len(ratings)
    bad = [r for r in ratings if r.is_bad]
    assert 10 <= len(bad) < 0.05 * len(ratings)
    assert FollowUp.objects.filter(rating__in=bad).count() == len(bad) == FollowUp.objects.count()
    assert len(set(FollowUp.objects.values_list("state", flat=True))) >= 3
    assert all(r.created_at >= r.case.delivered_at for r in ratings if r.case.delivered_at)

    # materials on file, one sample document shared
    assert CaseMaterial.objects.filter(is_current=True).count() >= len(cases)
    assert default_storage.exists(proxy_demo.SAMPLE_NAME)

    # reminders only for what is open now: a few dozen checks, none for finished cases
    checks = DBTaskResult.objects.filter(task_path__endswith="check_deadline")
    checked = {row.args_kwargs["args"][0] for row in checks}
    assert 0 < len(checked) <= 120
    assert set(Case.objects.filter(pk__in=checked).values_list("status", flat=True)) <= {
        Status.SUBMITTED, Status.FORWARDED, Status.ACCEPTED,
    }  # fmt: skip
    delivering = DBTaskResult.objects.filter(task_path__endswith="auto_deliver")
    assert {row.args_kwargs["args"][0] for row in delivering} == {
        c.pk for c in cases if c.status == Status.COMPLETED
    }

    # and a live intake after the demo takes the next number of its day
    case = cases[-1]
    applicant = services.Applicant(
        name="测试", id_number=case.applicant_id_number, mobile=case.applicant_mobile,
        home_region_code=case.home_region_code, current_city="上海",
    )  # fmt: skip
    live = services.create_case(
        actor=None, channel=Channel.CITIZEN, item=case.item, proxy_point=case.proxy_point, applicant=applicant,
        poa_confirmed=True,
    )  # fmt: skip
    assert live.number not in numbers
    today = f"{local_date(now):%Y%m%d}"
    assert int(live.number[-6:]) == len(per_day.get((case.home_region_code, today), [])) + 1


def test_a_second_run_creates_nothing(quzhou_world, monkeypatch):
    monkeypatch.setattr(proxy_demo, "CASES", 150)
    proxy_demo.load(quzhou_world)
    counts = (
        Case.objects.count(),
        CaseEvent.objects.count(),
        Rating.objects.count(),
        DBTaskResult.objects.count(),
    )

    again, out = new_demo()
    proxy_demo.load(again)

    assert (
        Case.objects.count(),
        CaseEvent.objects.count(),
        Rating.objects.count(),
        DBTaskResult.objects.count(),
    ) == counts
    assert again.created["代办件"] == 0 and again.existing["代办件"] == 150
    assert "已有 150 件代办件" in out.getvalue()


def test_the_demo_says_when_the_catalogue_is_missing(db):
    demo, out = new_demo()
    quzhou.load(demo)
    proxy_demo.load(demo)
    assert "跳过代办件" in out.getvalue()
    assert not Case.objects.exists()
