"""The three clocks on China's working-day calendar, through the real workflow, across the 2026
National Day holiday (Thu 1 – Wed 7 October off; Sun 20 September and Sat 10 October are make-up
working days), with pauses; and the background tasks that warn, escalate, deliver and close.

Time is the test kit's frozen clock (shanghui/testing/clock.py: django.utils.timezone.now, which the
workflow, its effects, the services and the task backend all call).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from shanghui.catalog.services import MaterialData
from shanghui.catalog.tests.factories import make_item
from shanghui.lib.workdays import BEIJING, end_of_day
from shanghui.notify.models import Notification, OutboxMessage
from shanghui.proxy import tasks
from shanghui.proxy.models import Case, CaseEvent, Status
from shanghui.proxy.workflow import AGENT, APPLICANT, CLERK
from shanghui.testing.clock import Clock
from shanghui.workdays import calendar

D = dt.date


def beijing(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=BEIJING)


@pytest.fixture
def items(pw: SimpleNamespace) -> SimpleNamespace:
    materials = [MaterialData(name="居民户口簿", form="original", copies=1, required=True)]
    pw.five_working = make_item(
        pw.dept, "无犯罪记录证明", promised_limit=5, promised_limit_unit="working", legal_limit=10,
        legal_limit_unit="working", materials=materials,
    )  # fmt: skip
    pw.five_calendar = make_item(
        pw.dept, "户籍证明（亲属关系证明）", promised_limit=5, promised_limit_unit="calendar", legal_limit=30,
        legal_limit_unit="calendar", materials=materials,
    )  # fmt: skip
    return pw


def submitted_at(pw: SimpleNamespace, clock: Clock, moment: dt.datetime, **kw: Any) -> Case:
    clock.set(moment)
    return pw.case_in("submitted", **kw)


def accepted(pw: SimpleNamespace, clock: Clock, item: Any, day: dt.datetime) -> Case:
    """Submitted and forwarded on Wed 30 Sep, accepted at `day`."""
    case = submitted_at(pw, clock, beijing(9, 30, 9), item=item)
    clock.set(beijing(9, 30, 11))
    case = pw.act(case, "forward", AGENT, window=pw.window)
    clock.set(day)
    return pw.act(case, "accept", CLERK, acceptance_number="KC-2026-1010")


def checks(case: Case) -> list[list[Any]]:
    """The deadline checks enqueued for the case so far, as the worker would call them."""
    rows = DBTaskResult.objects.filter(task_path__endswith="check_deadline").order_by("run_after")
    return [row.args_kwargs["args"] for row in rows if row.args_kwargs["args"][0] == case.pk]


def check(case: Case, clock_name: str, stage: str, nth: int = -1) -> list[Any]:
    return [args for args in checks(case) if args[1] == clock_name and args[3] == stage][nth]


# --- The calendar -------------------------------------------------------------------------------------


def test_the_calendar_knows_national_day_2026_and_its_make_up_days(pw):
    cal = calendar.current()
    assert [d.day for d in (D(2026, 10, day) for day in range(1, 12)) if not cal.is_working_day(d)] == [
        1, 2, 3, 4, 5, 6, 7, 11,
    ]  # fmt: skip
    assert cal.is_working_day(D(2026, 9, 20)) and cal.is_working_day(D(2026, 10, 10))  # Sunday, Saturday


# --- The three clocks --------------------------------------------------------------------------------


def test_each_clock_skips_the_holiday_and_counts_the_make_up_saturday(items, clock):
    # Given a case submitted on Tue 29 Sep 2026 at 10:00 Beijing time
    case = submitted_at(items, clock, beijing(9, 29, 10), item=items.five_working)
    # Then the proxy point's pre-review (1 working day) is due at the end of Wed 30 Sep
    assert case.review_due_at == end_of_day(D(2026, 9, 30))

    # When the agent forwards it on Wed 30 Sep
    clock.set(beijing(9, 30, 16))
    case = items.act(case, "forward", AGENT, window=items.window)
    # Then the window's acceptance (2 working days) is due at the end of Fri 9 Oct: 1–7 Oct are off
    assert case.acceptance_due_at == end_of_day(D(2026, 10, 9))

    # When the clerk accepts on Sat 10 Oct, a make-up working day, an item promised in 5 working days
    clock.set(beijing(10, 10, 9, 30))
    case = items.act(case, "accept", CLERK, acceptance_number="KC-2026-1010")
    # Then it is due at the end of Fri 16 Oct (Mon 12 … Fri 16; Sun 11 is a rest day)
    assert case.processing_due_at == end_of_day(D(2026, 10, 16))

    case.refresh_from_db()  # and the database keeps the same instants
    assert case.review_due_at == end_of_day(D(2026, 9, 30))
    assert case.processing_due_at == end_of_day(D(2026, 10, 16))


def test_a_calendar_day_limit_ending_in_the_holiday_moves_to_the_first_working_day(items, clock):
    # Given an item promised in 5 calendar days, accepted on Mon 28 Sep
    case = submitted_at(items, clock, beijing(9, 28, 9), item=items.five_calendar)
    clock.set(beijing(9, 28, 10))
    case = items.act(case, "forward", AGENT, window=items.window)
    clock.set(beijing(9, 28, 15))
    case = items.act(case, "accept", CLERK, acceptance_number="KC-2026-0928")

    # Then the fifth day, Sat 3 Oct, is a holiday: the limit ends with Thu 8 Oct
    assert case.processing_due_at == end_of_day(D(2026, 10, 8))


def test_a_pre_review_correction_adds_its_three_days_to_the_review_clock(items, clock):
    # Given a case submitted on Tue 29 Sep, due for pre-review at the end of Wed 30 Sep
    case = submitted_at(items, clock, beijing(9, 29, 10))
    due = case.review_due_at
    assert due == end_of_day(D(2026, 9, 30))

    # When the agent asks for a correction at 11:00 and the citizen resubmits three days later
    clock.set(beijing(9, 29, 11))
    case = items.act(case, "request_correction", AGENT, correction_items=["户口簿首页不清晰"])
    assert case.paused_at is not None
    clock.set(beijing(10, 2, 11))
    case = items.act(case, "resubmit", APPLICANT)

    # Then the clock runs again with the three paused days added
    assert case.status == Status.SUBMITTED and case.paused_at is None
    assert case.review_due_at == due + dt.timedelta(days=3) == end_of_day(D(2026, 10, 3))


def test_a_window_correction_after_acceptance_adds_its_days_to_the_processing_clock(items, clock):
    # Given a case accepted on Sat 10 Oct, due at the end of Fri 16 Oct
    case = accepted(items, clock, items.five_working, beijing(10, 10, 9, 30))
    assert case.processing_due_at == end_of_day(D(2026, 10, 16))

    # When the window asks for a correction on Mon 12 Oct and the citizen resubmits on Thu 15 Oct
    clock.set(beijing(10, 12, 10))
    case = items.act(case, "window_correction", CLERK, correction_items=["请补充近期免冠照片"])
    clock.set(beijing(10, 15, 10))
    case = items.act(case, "resubmit", APPLICANT)

    # Then the case is back in processing, due three days later
    assert case.status == Status.ACCEPTED
    assert case.processing_due_at == end_of_day(D(2026, 10, 19))


def test_a_window_correction_before_acceptance_adds_its_days_to_the_acceptance_clock(items, clock):
    case = submitted_at(items, clock, beijing(9, 30, 9))
    clock.set(beijing(9, 30, 11))
    case = items.act(case, "forward", AGENT, window=items.window)
    assert case.acceptance_due_at == end_of_day(D(2026, 10, 9))

    clock.set(beijing(10, 8, 9))
    case = items.act(case, "window_correction", CLERK, correction_items=["委托书未签字"])
    clock.set(beijing(10, 9, 15))
    case = items.act(case, "resubmit", APPLICANT)

    assert case.status == Status.FORWARDED
    assert case.acceptance_due_at == end_of_day(D(2026, 10, 9)) + dt.timedelta(days=1, hours=6)


def test_suspension_adds_the_suspended_time_when_processing_resumes(items, clock):
    case = accepted(items, clock, items.five_working, beijing(10, 10, 9, 30))

    clock.set(beijing(10, 12, 9))
    case = items.act(case, "suspend", CLERK, reason="等待外省公安核查")
    clock.set(beijing(10, 14, 15))
    case = items.act(case, "resume", CLERK)

    assert case.paused_at is None
    assert case.processing_due_at == end_of_day(D(2026, 10, 16)) + dt.timedelta(days=2, hours=6)


# --- Reminders and escalation --------------------------------------------------------------------------


def outbox(event: str) -> set[str]:
    return set(
        OutboxMessage.objects.filter(event=event, channel="in_app").values_list(
            "recipient__username", flat=True
        )
    )


def test_starting_a_clock_enqueues_a_warning_and_an_overdue_check(items, clock):
    case = submitted_at(items, clock, beijing(9, 29, 10))
    assert case.review_due_at is not None
    due_iso = case.review_due_at.isoformat()
    assert checks(case) == [[case.pk, "review", due_iso, "warn"], [case.pk, "review", due_iso, "overdue"]]
    runs = dict(
        DBTaskResult.objects.filter(task_path__endswith="check_deadline").values_list(
            "args_kwargs__args__3", "run_after"
        )
    )
    assert runs["overdue"] == end_of_day(D(2026, 9, 30))
    # three quarters of the way from 10:00 on the 29th to midnight after the 30th: 14:30 on the 30th
    assert abs(runs["warn"] - beijing(9, 30, 14, 30)) < dt.timedelta(seconds=1)


def test_the_warning_tells_the_agents_of_the_point(items, clock):
    # Given a submitted case, and the warning time come
    case = submitted_at(items, clock, beijing(9, 29, 10))
    clock.set(beijing(9, 30, 18))

    # When the warning check runs
    assert tasks.check_deadline_now(*check(case, "review", "warn")) is True

    # Then the agents hear of it in the app; nobody else, and the timeline is unchanged
    assert outbox("case.due_soon") == {"agent"}
    assert not CaseEvent.objects.filter(case=case, action="overdue").exists()


def test_an_overdue_review_escalates_to_the_department_and_the_federation(items, clock):
    # Given a submitted case whose pre-review time has run out
    case = submitted_at(items, clock, beijing(9, 29, 10))
    clock.set(beijing(10, 8, 9))

    # When the overdue check runs
    assert tasks.check_deadline_now(*check(case, "review", "overdue")) is True

    # Then the agents, the department's admin and the federation admins above the chamber are told
    assert outbox("case.overdue") == {"agent", "dept_admin", "fed_admin"}
    # and the timeline says so
    event = CaseEvent.objects.get(case=case, action="overdue")
    assert (event.actor_kind, event.from_status, event.to_status, event.data["clock"]) == (
        "system", Status.SUBMITTED, Status.SUBMITTED, "review",
    )  # fmt: skip


def test_an_overdue_acceptance_is_on_the_window_clerks(items, clock):
    case = submitted_at(items, clock, beijing(9, 30, 9))
    clock.set(beijing(9, 30, 11))
    case = items.act(case, "forward", AGENT, window=items.window)
    clock.set(beijing(10, 10, 0, 5))

    assert tasks.check_deadline_now(*check(case, "acceptance", "overdue")) is True
    assert outbox("case.overdue") == {"clerk", "dept_admin", "fed_admin"}


def test_the_same_check_running_twice_notifies_and_records_once(items, clock):
    case = submitted_at(items, clock, beijing(9, 29, 10))
    clock.set(beijing(10, 8, 9))
    args = check(case, "review", "overdue")

    tasks.check_deadline_now(*args)
    tasks.check_deadline_now(*args)

    assert OutboxMessage.objects.filter(event="case.overdue").count() == 3
    assert CaseEvent.objects.filter(case=case, action="overdue").count() == 1


def test_a_check_for_a_case_that_moved_on_does_nothing(items, clock):
    # Given a case forwarded before its pre-review time ran out
    case = submitted_at(items, clock, beijing(9, 29, 10))
    clock.set(beijing(9, 29, 15))
    case = items.act(case, "forward", AGENT, window=items.window)
    clock.set(beijing(10, 8, 9))

    # When the pre-review checks run
    for stage in ("warn", "overdue"):
        assert tasks.check_deadline_now(*check(case, "review", stage)) is False

    # Then nobody is told and the timeline has no overdue event
    assert not OutboxMessage.objects.filter(event__in=["case.due_soon", "case.overdue"]).exists()
    assert not CaseEvent.objects.filter(action="overdue").exists()


def test_a_check_while_the_clock_is_paused_does_nothing(items, clock):
    case = submitted_at(items, clock, beijing(9, 29, 10))
    clock.set(beijing(9, 29, 11))
    items.act(case, "request_correction", AGENT, correction_items=["户口簿首页不清晰"])
    clock.set(beijing(10, 8, 9))

    assert tasks.check_deadline_now(*check(case, "review", "overdue")) is False
    assert not CaseEvent.objects.filter(action="overdue").exists()


def test_after_a_pause_only_the_checks_of_the_shifted_due_time_count(items, clock):
    # Given a correction round of three days: the review clock's due time moved
    case = submitted_at(items, clock, beijing(9, 29, 10))
    old_overdue = check(case, "review", "overdue")
    clock.set(beijing(9, 29, 11))
    case = items.act(case, "request_correction", AGENT, correction_items=["户口簿首页不清晰"])
    clock.set(beijing(10, 2, 11))
    case = items.act(case, "resubmit", APPLICANT)
    new_overdue = check(case, "review", "overdue")
    assert new_overdue != old_overdue

    # When both checks run after the old due time but before the new one
    clock.set(beijing(10, 3, 9))
    assert tasks.check_deadline_now(*old_overdue) is False
    # Then only the check of the new due time acts, once it has come
    clock.set(beijing(10, 4, 0, 1))
    assert tasks.check_deadline_now(*new_overdue) is True
    assert CaseEvent.objects.filter(case=case, action="overdue").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_due_checks_and_delivers_the_reminders(items, clock):
    # Given a forwarded case, and the time past both its clocks' due times
    case = submitted_at(items, clock, beijing(9, 30, 9))
    clock.set(beijing(9, 30, 11))
    items.act(case, "forward", AGENT, window=items.window)
    clock.set(beijing(10, 12, 9))

    # When the task worker runs everything that is due
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)

    # Then the review checks were no-ops (the case moved on), the acceptance ones reminded and escalated
    assert set(Notification.objects.values_list("user__username", "title").distinct()) >= {
        ("clerk", f"办件{case.number}即将超期"),
        ("clerk", f"办件{case.number}已超期"),
        ("dept_admin", f"办件{case.number}已超期"),
        ("fed_admin", f"办件{case.number}已超期"),
    }
    assert not Notification.objects.filter(user__username="agent", title__contains="超期").exists()
    assert CaseEvent.objects.filter(case=case, action="overdue").count() == 1


# --- Automatic delivery and closing --------------------------------------------------------------------


def completed(pw: SimpleNamespace, clock: Clock) -> Case:
    case = accepted(pw, clock, pw.item, beijing(10, 10, 9, 30))
    clock.set(beijing(10, 14, 10))
    return pw.act(case, "complete", CLERK, result="granted", delivery_method="pickup")


def test_completion_schedules_automatic_delivery_which_delivers(items, clock):
    case = completed(items, clock)
    row = DBTaskResult.objects.get(task_path__endswith="auto_deliver")
    assert row.args_kwargs["args"] == [case.pk]
    assert row.run_after == beijing(10, 14, 10) + dt.timedelta(days=7)

    clock.set(beijing(10, 21, 10))
    assert tasks.auto_deliver.call(case.pk) is True

    case.refresh_from_db()
    assert case.status == Status.DELIVERED
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.action, event.actor_kind, event.note) == ("deliver", "system", "系统自动确认")
    assert DBTaskResult.objects.filter(task_path__endswith="auto_close", args_kwargs__args=[case.pk]).exists()


def test_automatic_delivery_does_nothing_when_the_citizen_already_confirmed(items, clock):
    case = completed(items, clock)
    items.act(case, "deliver", APPLICANT)
    events = CaseEvent.objects.filter(case=case).count()

    assert tasks.auto_deliver.call(case.pk) is False
    assert CaseEvent.objects.filter(case=case).count() == events


def test_automatic_closing_closes_a_delivered_case_once(items, clock):
    case = items.act(completed(items, clock), "deliver", APPLICANT)
    assert tasks.auto_close.call(case.pk) is True
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    events = CaseEvent.objects.filter(case=case).count()

    assert tasks.auto_close.call(case.pk) is False  # someone (here: itself) did it already
    assert CaseEvent.objects.filter(case=case).count() == events


def test_automatic_closing_does_nothing_when_the_agent_closed_it(items, clock):
    case = items.act(completed(items, clock), "deliver", APPLICANT)
    items.act(case, "close", AGENT)
    assert tasks.auto_close.call(case.pk) is False
    assert CaseEvent.objects.filter(case=case, action="close").count() == 1
