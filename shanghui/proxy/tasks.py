"""Deadline reminders, escalation, and automatic delivery and closing, as background tasks.

A check is enqueued (with `run_after`) when a clock starts, for the warning time and the due time. When
it runs it reloads the case and does nothing unless that same clock is still running with that same due
time: a reminder for a case that has moved on, or whose clock was paused and shifted, is a no-op (the
resumed clock scheduled its own checks).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from shanghui.accounts.models import User
from shanghui.notify.services import notify_users
from shanghui.orgs.models import Organisation, OrgKind, Role
from shanghui.proxy.models import Case, CaseEvent, Clock

logger = logging.getLogger("shanghui.proxy")

WARN, OVERDUE = "warn", "overdue"
CLOCK_RESPONSIBLE = {Clock.REVIEW: ("proxy_point_id", Role.AGENT), Clock.ACCEPTANCE: ("window_id", Role.WINDOW_CLERK),
                     Clock.PROCESSING: ("window_id", Role.WINDOW_CLERK)}  # fmt: skip


def warn_time(started: dt.datetime, due: dt.datetime) -> dt.datetime:
    """Warn when three quarters of the time has gone, but at least two hours before the due time."""
    span = due - started
    return min(started + span * 3 / 4, due - dt.timedelta(hours=2))


def schedule_for(case: Case, action: str) -> None:
    """Enqueue the checks for whichever clock the action started (inside the action's transaction)."""
    from shanghui.proxy.effects import running_clock

    clock, started, due = running_clock(case)
    if clock and started and due:
        iso = due.isoformat()
        check_deadline.using(run_after=warn_time(started, due)).enqueue(case.pk, str(clock), iso, WARN)
        check_deadline.using(run_after=due).enqueue(case.pk, str(clock), iso, OVERDUE)
    if action == "complete":
        auto_deliver.using(
            run_after=timezone.now() + dt.timedelta(days=settings.PROXY_AUTO_DELIVER_DAYS)
        ).enqueue(case.pk)
    if action == "deliver":
        auto_close.using(
            run_after=timezone.now() + dt.timedelta(days=settings.PROXY_AUTO_CLOSE_DAYS)
        ).enqueue(case.pk)


def _supervisors(case: Case) -> list[User]:
    """Who hears of an overdue case: the department's admins and the federation admins above the
    proxy point's chamber."""
    point = Organisation.objects.get(pk=case.proxy_point_id)
    federation_ids = [org.pk for org in point.ancestors() if org.kind == OrgKind.FEDERATION]
    users = User.objects.filter(is_active=True, memberships__organisation_id=case.department_id,
                                memberships__role=Role.DEPARTMENT_ADMIN)  # fmt: skip
    users |= User.objects.filter(is_active=True, memberships__organisation_id__in=federation_ids,
                                 memberships__role=Role.FEDERATION_ADMIN)  # fmt: skip
    return list(users.distinct())


def check_deadline_now(case_id: int, clock: str, due_iso: str, stage: str) -> bool:
    """The body of the task; returns whether it notified anyone."""
    from shanghui.proxy.effects import running_clock, staff_of

    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            return False
        running, _, due = running_clock(case)
        # Compare instants, not strings: the due time was written in Beijing time when the clock
        # started and reads back from the database in UTC.
        if running != clock or due is None or due != dt.datetime.fromisoformat(due_iso):
            return False
        label = Clock(clock).label
        field, role = CLOCK_RESPONSIBLE[Clock(clock)]
        responsible_org: int | None = getattr(case, field)
        responsible = staff_of(responsible_org, role)
        url = reverse("proxy:detail", args=[case.pk])
        key = f"case:{case.pk}:{clock}:{due_iso}:{stage}"
        if stage == WARN:
            local_due = timezone.localtime(due).strftime("%m月%d日 %H:%M")
            # The robots of the organisation whose clock it is (and of those above it) hear of it too.
            notify_users(users=responsible, event="case.due_soon", key=key, title=f"办件{case.number}即将超期",
                         body=f"{label}时限为 {local_due}", url=url, subject=f"proxy.case:{case.pk}",
                         orgs=[o for o in [responsible_org] if o])  # fmt: skip
            return bool(responsible)
        # Overdue: the people responsible and their supervisors; the timeline records it, once per
        # clock and due time however often the same check runs.
        if CaseEvent.objects.filter(
            case=case, action="overdue", data__clock=clock, data__due=due_iso
        ).exists():
            return False
        CaseEvent.objects.create(
            case=case, action="overdue", from_status=case.status, to_status=case.status, actor=None,
            actor_kind="system", note=f"{label}已超期，已通知责任人和主管部门",
            data={"clock": clock, "due": due_iso}, created_at=timezone.now(),
        )  # fmt: skip
        # Escalation reaches the robots the supervisors read: the responsible organisation's, the
        # department's, and those above the proxy point (its chamber, the federations).
        notify_users(users=[*responsible, *_supervisors(case)], event="case.overdue", key=key,
                     title=f"办件{case.number}已超期", body=f"{label}已超过时限", url=url,
                     subject=f"proxy.case:{case.pk}",
                     orgs=[o for o in [responsible_org, case.proxy_point_id, case.department_id] if o])  # fmt: skip
        return True


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
