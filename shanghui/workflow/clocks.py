"""Clocks: named time limits on a record, on the working-day calendar.

A clock runs while the record is in one of its statuses and is not paused. It has a start (a field of
the record), a due time (a field, computed at the start from a Period on the calendar), and an end (a
field: the moment its step finished). A pause (correction asked, proceedings suspended) stops the
running clock; resuming adds the paused time to its due time. Its outcome is on time when it ended
no later than its due time, late otherwise. The times live in the record's own columns, so lists and
statistics filter and count them in the database (`running_q`, `overdue_q`, `outcome_expression`),
with the record's indexes.

A programme declares its clocks once, beside its workflow:

    CLOCKS = Clocks(
        ClockSpec("review", "代办点预审", runs_in={Status.SUBMITTED}, started="submitted_at",
                  due="review_due_at", ended="forwarded_at"),
        …,
        paused="paused_at", paused_clock=lambda case: …,
    )

and its effects call `CLOCKS.start(record, "review", now, Period(3))`, `pause`, `resume`. Warnings and
escalation are scheduled by the clock (workflow/deadlines.py): the programme registers what a warning
and an overdue clock do for its records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as When_
from django.db.models import F, IntegerField, Q, Value, When
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shanghui.lib.workdays import add_calendar_days, add_working_days, working_time_between

WORKING_DAYS, CALENDAR_DAYS = "working", "calendar"

# Outcome codes, as the statistics store them: not finished against a due time, on time, late.
UNFINISHED, ON_TIME, LATE = "0", "1", "2"


@dataclass(frozen=True)
class Period:
    """A time limit: so many working days (the default) or calendar days."""

    days: int
    unit: str = WORKING_DAYS

    def due(self, start: dt.datetime) -> dt.datetime:
        from shanghui.workdays import calendar

        if self.unit == CALENDAR_DAYS:
            return add_calendar_days(calendar.current(), start, self.days)
        return add_working_days(calendar.current(), start, self.days)


@dataclass(frozen=True)
class ClockSpec:
    name: str
    label: str | Promise  # shown in the language of the request (str() it at the time)
    runs_in: frozenset[str]
    started: str  # field: when the clock started
    due: str  # field: its due time
    ended: str  # field: when its step finished (stops it; the outcome compares it with the due time)

    def __init__(
        self, name: str, label: str | Promise, *, runs_in: Iterable[str], started: str, due: str, ended: str
    ):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "runs_in", frozenset(runs_in))
        object.__setattr__(self, "started", started)
        object.__setattr__(self, "due", due)
        object.__setattr__(self, "ended", ended)


@dataclass(frozen=True)
class ClockState:
    """A clock as pages show it."""

    key: str
    label: str
    started: dt.datetime | None
    due: dt.datetime | None
    finished: dt.datetime | None
    state: str
    css: str  # Bootstrap colour: the warning colours of the pages


def warn_time(started: dt.datetime, due: dt.datetime) -> dt.datetime:
    """Warn when three quarters of the time has gone, but at least two hours before the due time."""
    return min(started + (due - started) * 3 / 4, due - dt.timedelta(hours=2))


class Clocks:
    """The clocks of one record type. See the module docstring."""

    def __init__(
        self,
        *specs: ClockSpec,
        status: str = "status",
        paused: str = "paused_at",
        paused_clock: Callable[[Any], str] | None = None,
        finished_early: Callable[[Any, ClockSpec], dt.datetime | None] | None = None,
        due_soon_hours: int = 24,
    ) -> None:
        self.specs = specs
        self.by_name = {spec.name: spec for spec in specs}
        self.status = status
        self.paused = paused
        # Which clock a paused record stopped ("" when none), for the pages.
        self.paused_clock = paused_clock or (lambda record: "")
        # When a step ended without its own end field being set (a refusal ends acceptance).
        self.finished_early = finished_early or (lambda record, spec: None)
        self.due_soon_hours = due_soon_hours
        self.due_soon = dt.timedelta(hours=due_soon_hours)

    def __getitem__(self, name: str) -> ClockSpec:
        return self.by_name[name]

    def __iter__(self) -> Any:
        return iter(self.specs)

    # --- Moving a clock (called by effects, inside the transition) --------------------------------------

    def start(self, record: Any, name: str, now: dt.datetime, period: Period) -> list[str]:
        spec = self[name]
        setattr(record, spec.started, now)
        setattr(record, spec.due, period.due(now))
        return [spec.started, spec.due]

    def stop(self, record: Any, name: str, now: dt.datetime) -> list[str]:
        spec = self[name]
        setattr(record, spec.ended, now)
        return [spec.ended]

    def pause(self, record: Any, now: dt.datetime) -> list[str]:
        setattr(record, self.paused, now)
        return [self.paused]

    def resume(self, record: Any, name: str, now: dt.datetime) -> list[str]:
        """Unpause, adding the paused time to the due time of clock `name`."""
        spec = self[name]
        due, paused_at = getattr(record, spec.due), getattr(record, self.paused)
        if due is not None and paused_at is not None:
            setattr(record, spec.due, due + (now - paused_at))
        setattr(record, self.paused, None)
        return [spec.due, self.paused]

    def clear_pause(self, record: Any) -> list[str]:
        """The record leaves its clocks for good (closed, withdrawn): no pause stays pending."""
        setattr(record, self.paused, None)
        return [self.paused]

    # --- Reading a record ------------------------------------------------------------------------------

    def running(self, record: Any) -> tuple[str, dt.datetime | None, dt.datetime | None]:
        """(name, started, due) of the clock running now, or ("", None, None)."""
        if getattr(record, self.paused) is not None:
            return "", None, None
        status = getattr(record, self.status)
        for spec in self.specs:
            if status in spec.runs_in:
                return spec.name, getattr(record, spec.started), getattr(record, spec.due)
        return "", None, None

    def outcome(self, record: Any, spec: ClockSpec) -> str:
        return outcome_of(getattr(record, spec.ended), getattr(record, spec.due))

    def running_state(self, record: Any, now: dt.datetime) -> tuple[str, str]:
        """(label, colour) of the running clock, for lists: ("", "") when no clock runs."""
        name, _started, due = self.running(record)
        if not name or due is None:
            return "", ""
        if due < now:
            return _("已超期"), "danger"
        if due < now + self.due_soon:
            return _("即将超期"), "warning"
        return _("计时中"), "primary"

    def time_left(self, record: Any, now: dt.datetime) -> tuple[str, str]:
        """(what is left of the running clock, colour) for lists: "剩 1.5 个工作日" (warning colour when
        due soon), "已超期 2 个工作日" in red; ("", "") when no clock runs. Working days on the calendar,
        whatever the clock's unit: the time staff have to act."""
        from shanghui.workdays import calendar

        label, css = self.running_state(record, now)
        _name, _started, due = self.running(record)
        if not label or due is None:
            return "", ""
        if due < now:
            late = round(working_time_between(calendar.current(), due, now), 1)
            if not late:
                return str(_("已超期")), css
            return ngettext("已超期 %(days)s 个工作日", "已超期 %(days)s 个工作日", _plural(late)) % {
                "days": f"{late:g}"
            }, css
        left = round(working_time_between(calendar.current(), now, due), 1)
        return ngettext("剩 %(days)s 个工作日", "剩 %(days)s 个工作日", _plural(left)) % {
            "days": f"{left:g}"
        }, css

    def states(self, record: Any, now: dt.datetime) -> list[ClockState]:
        """Every clock of the record as the record page shows it."""
        running, _s, _d = self.running(record)
        paused = self.paused_clock(record) if getattr(record, self.paused) is not None else ""
        states = []
        for spec in self.specs:
            started, due = getattr(record, spec.started), getattr(record, spec.due)
            finished = getattr(record, spec.ended) or self.finished_early(record, spec)
            if due is None:
                state, css = _("未开始"), "secondary"
            elif spec.name == running:
                state, css = self.running_state(record, now)
            elif spec.name == paused:
                state, css = _("已暂停（等待补正或中止中）"), "secondary"
            elif finished is not None:
                state, css = (_("按时完成"), "success") if finished <= due else (_("超时完成"), "danger")
            else:
                state, css = _("已结束"), "secondary"
            states.append(ClockState(spec.name, str(spec.label), started, due, finished, state, css))
        return states

    # --- In the database -------------------------------------------------------------------------------

    def running_q(
        self,
        names: Iterable[str] | None = None,
        *,
        due_from: dt.datetime | None = None,
        due_before: dt.datetime | None = None,
    ) -> Q:
        """Records whose running clock is one of `names` (all by default), optionally with its due time
        in [due_from, due_before)."""
        q = Q(pk__in=[])
        for name in sorted(self.by_name if names is None else names):
            spec = self[name]
            statuses = sorted(spec.runs_in)
            # One status is an equality, as the status-and-due-time indexes expect.
            in_status = (
                Q(**{self.status: statuses[0]})
                if len(statuses) == 1
                else Q(**{f"{self.status}__in": statuses})
            )
            condition = in_status & Q(**{f"{spec.due}__isnull": False})
            if due_from is not None:
                condition &= Q(**{f"{spec.due}__gte": due_from})
            if due_before is not None:
                condition &= Q(**{f"{spec.due}__lt": due_before})
            q |= condition
        return Q(**{f"{self.paused}__isnull": True}) & q

    def overdue_q(self, now: dt.datetime, names: Iterable[str] | None = None) -> Q:
        return self.running_q(names, due_before=now)

    def due_soon_q(self, now: dt.datetime, names: Iterable[str] | None = None) -> Q:
        return self.running_q(names, due_from=now, due_before=now + self.due_soon)

    def finished_q(self, spec: ClockSpec) -> Q:
        return Q(**{f"{spec.ended}__isnull": False, f"{spec.due}__isnull": False})

    def on_time_q(self, spec: ClockSpec) -> Q:
        return self.finished_q(spec) & Q(**{f"{spec.ended}__lte": F(spec.due)})

    def outcome_expression(self, spec: ClockSpec) -> When_:
        """outcome() as a database expression (0 unfinished, 1 on time, 2 late)."""
        return When_(
            When(Q(**{f"{spec.ended}__isnull": True}) | Q(**{f"{spec.due}__isnull": True}), then=Value(0)),
            When(**{f"{spec.ended}__lte": F(spec.due)}, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )


def _plural(days: float) -> int:
    """The count ngettext chooses by: 1 only for exactly one day (English: "1 working day", "1.5 working days")."""
    return 1 if days == 1 else 2


def outcome_of(ended: dt.datetime | None, due: dt.datetime | None) -> str:
    if ended is None or due is None:
        return UNFINISHED
    return ON_TIME if ended <= due else LATE
