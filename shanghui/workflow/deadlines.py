"""Warnings and escalation, scheduled by the clocks.

When an action starts (or resumes) a clock, `Deadlines.schedule()` enqueues two checks in the action's
own transaction: a warning when three quarters of the time has gone (clocks.warn_time) and an overdue
check at the due time. A check reloads the record under its row lock and does nothing unless that same
clock is still running with that same due time: a reminder for a record that has moved on, or whose
clock was paused and shifted, is a no-op (the resumed clock scheduled its own checks). Otherwise it calls
what the programme declared for the stage: whom to warn, how to escalate.

A programme declares its checks and the task that runs them (so the task's name says whose they are):

    DEADLINES = Deadlines(model=Case, clocks=CLOCKS, on_warn=warn, on_overdue=escalate,
                          task=lambda: check_deadline)

    @task()
    def check_deadline(pk: int, clock: str, due_iso: str, stage: str) -> bool:
        return DEADLINES.check_now(pk, clock, due_iso, stage)

The hooks run inside the check's transaction, under the lock, and must be idempotent: a check may run
twice (at least once: a worker killed mid-run is run again after its lease), so a hook keys its
notifications (the outbox writes a key once) and records an overdue clock once on the record's timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from shanghui.workflow.clocks import Clocks, ClockSpec, warn_time

WARN, OVERDUE = "warn", "overdue"


@dataclass(frozen=True)
class Check:
    """One scheduled check: the clock, its due time (as scheduled, and as an instant) and the stage."""

    clock: ClockSpec
    due: dt.datetime
    due_iso: str
    stage: str

    @property
    def key(self) -> str:
        """Names this check among all checks of the record, e.g. in notification keys."""
        return f"{self.clock.name}:{self.due_iso}:{self.stage}"


# (record, check) → whether anyone was told.
Hook = Callable[[Any, Check], bool]


@dataclass(frozen=True)
class Deadlines:
    model: type[models.Model]
    clocks: Clocks
    on_warn: Hook
    on_overdue: Hook
    # The programme's task (a callable returning it: the task is declared after this object).
    task: Callable[[], Any]

    def checks(self, record: Any) -> list[tuple[Any, tuple[Any, ...], dict[str, Any]]]:
        """The checks of the clock running now, as (task with its run_after, args, kwargs) to enqueue
        (none when no clock runs): for a caller that enqueues them with other tasks in one write
        (worker.durable.enqueue_together)."""
        clock, started, due = self.clocks.running(record)
        if not clock or started is None or due is None:
            return []
        iso = due.isoformat()
        task = self.task()
        return [
            (task.using(run_after=warn_time(started, due)), (record.pk, clock, iso, WARN), {}),
            (task.using(run_after=due), (record.pk, clock, iso, OVERDUE), {}),
        ]

    def schedule(self, record: Any) -> None:
        """Enqueue the checks of the clock running now (inside the transaction that started it)."""
        for task, args, kwargs in self.checks(record):
            task.enqueue(*args, **kwargs)

    def check_now(self, pk: int, clock: str, due_iso: str, stage: str) -> bool:
        """The body of the programme's task; returns whether anyone was told."""
        with transaction.atomic():
            record = self.model._default_manager.select_for_update().filter(pk=pk).first()
            if record is None:
                return False
            running, _started, due = self.clocks.running(record)
            # Compare instants, not strings: the due time was written in Beijing time when the clock
            # started and reads back from the database in UTC.
            if running != clock or due is None or due != dt.datetime.fromisoformat(due_iso):
                return False
            hook = self.on_warn if stage == WARN else self.on_overdue
            return hook(record, Check(self.clocks[clock], due, due_iso, stage))
