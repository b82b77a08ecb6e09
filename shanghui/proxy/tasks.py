"""Deadline checks (declared in clocks.py, run by the workflow kernel) and automatic delivery and
closing, as background tasks. Each is safe to run twice: a deadline check re-checks its clock under the
case's row lock and keys what it writes; automatic delivery and closing go through the workflow, which
refuses them (Conflict) once the case has moved on.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from shanghui.proxy.clocks import DEADLINES
from shanghui.proxy.models import Case
from shanghui.worker.durable import Call, enqueue_together
from shanghui.workflow.deadlines import OVERDUE, WARN

__all__ = [
    "OVERDUE",
    "WARN",
    "auto_close",
    "auto_deliver",
    "check_deadline",
    "check_deadline_now",
    "schedule_for",
    "tasks_for",
]


def tasks_for(case: Case, action: str) -> list[Call]:
    """What the action starts, to enqueue inside the action's transaction: the checks of the clock it
    started, and automatic delivery after completion or closing after delivery."""
    calls = DEADLINES.checks(case)
    if action == "complete":
        later = timezone.now() + dt.timedelta(days=settings.PROXY_AUTO_DELIVER_DAYS)
        calls.append((auto_deliver.using(run_after=later), (case.pk,), {}))
    if action == "deliver":
        later = timezone.now() + dt.timedelta(days=settings.PROXY_AUTO_CLOSE_DAYS)
        calls.append((auto_close.using(run_after=later), (case.pk,), {}))
    return calls


def schedule_for(case: Case, action: str) -> None:
    """Enqueue what the action starts (tasks_for) inside the action's transaction, in one write."""
    enqueue_together(tasks_for(case, action))


def check_deadline_now(case_id: int, clock: str, due_iso: str, stage: str) -> bool:
    """The body of the task; returns whether it notified anyone."""
    return DEADLINES.check_now(case_id, clock, due_iso, stage)


@task()
def check_deadline(case_id: int, clock: str, due_iso: str, stage: str) -> bool:
    return check_deadline_now(case_id, clock, due_iso, stage)


def _auto(case_id: int, action: str) -> bool:
    from shanghui.proxy.workflow import Conflict, transition

    try:
        transition(case_id=case_id, action=action, actor=None, actor_kind="system",
                   note="系统自动确认" if action == "deliver" else "系统自动归档")  # fmt: skip
    except (Conflict, Case.DoesNotExist):
        return False  # someone did it already, or the case moved on
    return True


@task()
def auto_deliver(case_id: int) -> bool:
    return _auto(case_id, "deliver")


@task()
def auto_close(case_id: int) -> bool:
    return _auto(case_id, "close")
