"""The time limits of a dispute, declared with the workflow kernel (shanghui/workflow/clocks.py):

  acceptance    the committee accepts or declines within MEDIATION_ACCEPTANCE_DAYS (3) working days
  mediation     finished within 30 days of acceptance (calendar days; a period ending on a rest day
                moves to the next working day), extendable once with the parties' consent
  confirmation  the parties may apply for judicial confirmation within 30 days of the agreement taking
                effect (人民调解法 art. 33)
  follow_up     the follow-up visit (回访) at the due date of the agreed terms

Warnings go to the dispute's mediators (and the committee's admins while it waits for acceptance);
an overdue clock is escalated to the committee head and admins, once per clock and due time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from shanghui.accounts.models import User
from shanghui.lib.workdays import end_of_day
from shanghui.mediation.models import Clock, CommitteeMember, Dispute, DisputeEvent, MemberRole, Status
from shanghui.notify.services import notify_users
from shanghui.workflow.clocks import CALENDAR_DAYS, Clocks, ClockSpec, Period
from shanghui.workflow.deadlines import Check, Deadlines

S = Status


def _finished_early(dispute: Dispute, spec: ClockSpec) -> Any:
    # A refusal or a withdrawal ends the step that was running.
    if (
        spec.name == Clock.ACCEPTANCE
        and dispute.status in {S.DECLINED, S.WITHDRAWN}
        and not dispute.accepted_at
    ):
        return dispute.closed_at
    return None


CLOCKS = Clocks(
    ClockSpec(Clock.ACCEPTANCE, Clock.ACCEPTANCE.label, runs_in={S.FILED}, started="filed_at",
              due="acceptance_due_at", ended="accepted_at"),
    ClockSpec(Clock.MEDIATION, Clock.MEDIATION.label, runs_in={S.AWAITING_CONSENT, S.MEDIATING},
              started="accepted_at", due="mediation_due_at", ended="outcome_at"),
    ClockSpec(Clock.CONFIRMATION, Clock.CONFIRMATION.label, runs_in={S.IN_EFFECT}, started="effective_at",
              due="confirmation_due_at", ended="confirmation_applied_at"),
    ClockSpec(Clock.FOLLOW_UP, Clock.FOLLOW_UP.label, runs_in={S.PERFORMING}, started="performing_at",
              due="performance_due_at", ended="closed_at"),
    finished_early=_finished_early,
)  # fmt: skip


def acceptance_period() -> Period:
    return Period(settings.MEDIATION_ACCEPTANCE_DAYS)


def mediation_period() -> Period:
    return Period(settings.MEDIATION_DAYS, CALENDAR_DAYS)


def confirmation_period() -> Period:
    return Period(settings.MEDIATION_CONFIRMATION_DAYS, CALENDAR_DAYS)


def start_follow_up(dispute: Dispute, now: dt.datetime) -> list[str]:
    """The follow-up clock runs to the end of the agreed performance date (the next day when none)."""
    dispute.performing_at = now
    due_day = dispute.performance_due or (timezone.localdate(now) + dt.timedelta(days=1))
    dispute.performance_due_at = max(end_of_day(due_day), now + dt.timedelta(hours=1))
    return ["performing_at", "performance_due_at"]


# --- Warnings and escalation -----------------------------------------------------------------------


def mediators_of(dispute: Dispute) -> list[User]:
    return list(
        User.objects.filter(
            pk__in=dispute.assignments.filter(recused_at__isnull=True).values("mediator_id"), is_active=True
        )
    )


def admins_of(dispute: Dispute) -> list[User]:
    """The committee head and its admins."""
    ids = set(
        CommitteeMember.objects.filter(committee_id=dispute.committee_id, role=MemberRole.ADMIN).values_list(
            "user_id", flat=True
        )
    )
    head = dispute.committee.head_id
    if head:
        ids.add(head)
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _responsible(dispute: Dispute, clock: str) -> list[User]:
    return admins_of(dispute) if clock == Clock.ACCEPTANCE else mediators_of(dispute) or admins_of(dispute)


def warn(dispute: Dispute, check: Check) -> bool:
    people = _responsible(dispute, check.clock.name)
    local_due = timezone.localtime(check.due).strftime("%m月%d日 %H:%M")
    notify_users(users=people, event="mediation.due_soon", key=f"dispute:{dispute.pk}:{check.key}",
                 title=f"纠纷{dispute.number}{check.clock.label}即将到期", body=f"{check.clock.label}截止于 {local_due}",
                 url=reverse("mediation:detail", args=[dispute.pk]), subject=f"mediation.dispute:{dispute.pk}")  # fmt: skip
    return bool(people)


def escalate(dispute: Dispute, check: Check) -> bool:
    """Overdue: the people responsible and the committee head; recorded once on the timeline."""
    clock, label = check.clock.name, check.clock.label
    if DisputeEvent.objects.filter(
        dispute=dispute, action="overdue", data__clock=clock, data__due=check.due_iso
    ).exists():
        return False
    from shanghui.mediation.workflow import MACHINE

    MACHINE.record_event(
        dispute, action="overdue", from_status=dispute.status, to_status=dispute.status, actor=None,
        actor_kind="system", note=f"{label}已超期，已报告调委会主任", data={"clock": clock, "due": check.due_iso},
        created_at=timezone.now(),
    )  # fmt: skip
    people = [*_responsible(dispute, clock), *admins_of(dispute)]
    notify_users(users=people, event="mediation.overdue", key=f"dispute:{dispute.pk}:{check.key}",
                 title=f"纠纷{dispute.number}{label}已超期", body=f"{label}已超过期限，请调委会主任督办",
                 url=reverse("mediation:detail", args=[dispute.pk]), subject=f"mediation.dispute:{dispute.pk}")  # fmt: skip
    return True


def _check_task() -> Any:
    from shanghui.mediation.tasks import check_deadline

    return check_deadline


DEADLINES = Deadlines(model=Dispute, clocks=CLOCKS, on_warn=warn, on_overdue=escalate, task=_check_task)
